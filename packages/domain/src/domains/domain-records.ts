/** What a check found of one record: published as asked, absent, present but different, or unknown for now. */
export type RecordStatus = 'verified' | 'missing' | 'mismatch' | 'lookup_failed';

export interface DnsRecord {
  purpose: 'dkim' | 'spf';
  type: 'TXT';
  /** The owner name to publish it at. */
  name: string;
  value: string;
  /** Whether verification depends on it: the DKIM record does, SPF is advice (see the README). */
  required: boolean;
}

export interface DomainKeys {
  name: string;
  dkimSelector: string;
  dkimPublicKey: string;
}

export const dkimRecordName = (domain: DomainKeys) => `${domain.dkimSelector}._domainkey.${domain.name}`;
export const dkimRecordValue = (domain: DomainKeys) => `v=DKIM1; k=rsa; p=${domain.dkimPublicKey}`;

/**
 * The records a tenant publishes for a domain: its DKIM public key, and, when the relay needs one
 * (SPF_INCLUDE), the SPF mechanism that authorises the relay, shown as a whole record for a domain that has
 * none (a domain with an SPF record adds the mechanism to it: a name may have only one).
 */
export function expectedRecords(domain: DomainKeys, spfInclude: string | undefined): DnsRecord[] {
  const dkim: DnsRecord = { purpose: 'dkim', type: 'TXT', name: dkimRecordName(domain), value: dkimRecordValue(domain), required: true };
  if (!spfInclude) return [dkim];
  return [dkim, { purpose: 'spf', type: 'TXT', name: domain.name, value: `v=spf1 ${spfInclude} ~all`, required: false }];
}
