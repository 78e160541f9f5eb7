import type { ApiEnv } from '@postdate/config';
import { createSenderDomains, type SenderDomains } from '@postdate/domain';

/** The API's sender domains, from its configuration: the policy checked at create and edit, keys to seal, DNS to verify in. */
export function apiSenderDomains(config: ApiEnv): SenderDomains {
  return createSenderDomains({
    required: config.REQUIRE_VERIFIED_DOMAIN,
    graceHours: config.DOMAIN_UNVERIFIED_GRACE_HOURS,
    encryptionKey: config.DKIM_ENCRYPTION_KEY,
    dnsServers: config.DNS_SERVERS,
    spfInclude: config.SPF_INCLUDE,
  });
}
