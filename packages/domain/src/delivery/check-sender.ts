import type { DkimSigning } from '@postdate/mail';
import { SealedKeyError } from '../domains/dkim-keyring';
import { domainOfAddress } from '../domains/domain-name';
import type { SenderDomains } from '../domains/sender-domains';
import type { SenderDomainRequest, SenderDomainRow } from './find-sender-domains';

export type SenderCheck =
  /** Send; signed with the From's domain's key when the tenant has one usable and keys can be opened. */
  | { kind: 'allowed'; dkim?: DkimSigning }
  /** The From's domain is not (or no longer) a usable domain of the tenant, and verified domains are required. */
  | { kind: 'refused'; error: string }
  /** The domain's key does not open under this worker's keys: a configuration fault, worth retrying. */
  | { kind: 'key_unavailable'; error: string };

/**
 * Right after the claim, before any SMTP: may this tenant send as this From now, and with which key? The
 * create or edit checked already; this catches a domain deleted, or lapsed past its grace period, since.
 * The most specific usable registration covering the From's domain signs (news.acme.com before acme.com).
 */
export async function checkSender(
  findDomain: (request: SenderDomainRequest) => Promise<SenderDomainRow | undefined>,
  domains: SenderDomains | undefined,
  tenantId: bigint,
  from: string,
): Promise<SenderCheck> {
  if (!domains || (!domains.policy.required && !domains.keyring)) return { kind: 'allowed' };
  const domain = domainOfAddress(from);
  const row = await findDomain({ tenantId, domain, graceHours: domains.policy.graceHours });
  if (!row) {
    if (!domains.policy.required) return { kind: 'allowed' };
    return { kind: 'refused', error: `not sent: ${domain} is not a verified domain of this account (deleted, or unverified past its grace period)` };
  }
  if (!domains.keyring) return { kind: 'allowed' };
  try {
    const privateKey = domains.keyring.open(row.dkim_private_key, { domain: row.name, selector: row.dkim_selector });
    return { kind: 'allowed', dkim: { domainName: row.name, keySelector: row.dkim_selector, privateKey } };
  } catch (error) {
    if (error instanceof SealedKeyError) return { kind: 'key_unavailable', error: error.message };
    throw error;
  }
}
