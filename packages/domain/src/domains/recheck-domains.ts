import type { Db } from '@postdate/db';
import { checkDomainRecords } from './check-domain-records';
import type { RecordStatus } from './domain-records';
import { recordDomainCheck } from './record-domain-check';
import type { ResolveTxt } from './txt-resolver';

export interface DomainRecheckSettings {
  resolveTxt: ResolveTxt;
  spfInclude: string | undefined;
  /** A verified or lapsed domain is looked up again when its last check is this old. */
  recheckSeconds: number;
  /** Domains per sweep pass, looked up in parallel: bounds how long DNS can hold a pass up. */
  batchSize: number;
}

export interface DomainRecheckReport {
  /** Each domain looked up, with what it found of the DKIM record. */
  checked: { id: bigint; name: string; dkim: RecordStatus }[];
  /** Verified domains whose DKIM record a check found gone or changed: now unverified. */
  lapsed: { id: bigint; name: string }[];
  /** Unverified domains whose record is back. */
  restored: { id: bigint; name: string }[];
}

interface DueDomain {
  id: bigint;
  tenant_id: bigint;
  name: string;
  dkim_selector: string;
  dkim_public_key: string;
}

/**
 * The sweeper's periodic re-verification: takes the domains whose last check is older than recheckSeconds,
 * looks their records up (no transaction held meanwhile) and records what it found — a domain whose record
 * disappeared becomes `unverified`, and says since when. Pending and trusted domains are not re-checked.
 */
export async function recheckDomains(db: Db, settings: DomainRecheckSettings): Promise<DomainRecheckReport> {
  // Locks due rows SKIP LOCKED and moves last_checked_at on: overlapping sweep passes take different domains, none twice.
  const due = await db.$queryRaw<DueDomain[]>`
    UPDATE sender_domain d SET last_checked_at = now()
    FROM (SELECT id FROM sender_domain
          WHERE status <> 'pending' AND NOT trusted
            AND (last_checked_at IS NULL OR last_checked_at < now() - make_interval(secs => ${settings.recheckSeconds}))
          ORDER BY last_checked_at NULLS FIRST LIMIT ${settings.batchSize}
          FOR UPDATE SKIP LOCKED) due
    WHERE d.id = due.id
    RETURNING d.id, d.tenant_id, d.name, d.dkim_selector, d.dkim_public_key`;

  const report: DomainRecheckReport = { checked: [], lapsed: [], restored: [] };
  await Promise.all(
    due.map(async (row) => {
      const domain = { id: row.id, tenantId: row.tenant_id, name: row.name, dkimSelector: row.dkim_selector, dkimPublicKey: row.dkim_public_key };
      const check = await checkDomainRecords(settings.resolveTxt, domain, settings.spfInclude);
      const transition = await recordDomainCheck(db, domain, check);
      report.checked.push({ id: row.id, name: row.name, dkim: check.dkim });
      if (transition?.previous === 'verified' && transition.status === 'unverified') report.lapsed.push({ id: row.id, name: row.name });
      if (transition?.previous === 'unverified' && transition.status === 'verified') report.restored.push({ id: row.id, name: row.name });
    }),
  );
  return report;
}
