import type { WorkerEnv } from '@postdate/config';
import { createSenderDomains, type DomainRecheckSettings, type SenderDomains } from '@postdate/domain';

// Domains looked up per sweep pass, in parallel: at most a few seconds of a pass even when DNS is down.
const RECHECK_BATCH = 20;

/** The worker's sender domains, from its configuration: the policy checked at the claim, the signing keys, DNS. */
export function workerSenderDomains(config: WorkerEnv): { domains: SenderDomains; recheck: DomainRecheckSettings } {
  const domains = createSenderDomains({
    required: config.REQUIRE_VERIFIED_DOMAIN,
    graceHours: config.DOMAIN_UNVERIFIED_GRACE_HOURS,
    encryptionKey: config.DKIM_ENCRYPTION_KEY,
    previousEncryptionKeys: config.DKIM_PREVIOUS_ENCRYPTION_KEYS,
    dnsServers: config.DNS_SERVERS,
    spfInclude: config.SPF_INCLUDE,
  });
  return {
    domains,
    recheck: { resolveTxt: domains.resolveTxt, spfInclude: domains.spfInclude, recheckSeconds: config.DOMAIN_RECHECK_SECONDS, batchSize: RECHECK_BATCH },
  };
}
