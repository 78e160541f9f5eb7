import { sqlStateOf, type Db, type SenderDomainStatus } from '@postdate/db';
import { ConflictError } from '../errors';
import type { DomainCheck } from './check-domain-records';

export interface DomainTransition {
  previous: SenderDomainStatus;
  status: SenderDomainStatus;
}

/**
 * Writes what a look at DNS found, and what follows from it: the DKIM record found → `verified`; found gone
 * or changed (a definite answer) → a verified domain becomes `unverified`, since now; no answer (timeout,
 * SERVFAIL) → nothing changes but the record of the attempt. A trusted domain's status never changes.
 * Undefined when the domain is gone (deleted meanwhile). Verifying a name another tenant owns is a 409.
 */
export async function recordDomainCheck(db: Db, domain: { id: bigint; tenantId: bigint; name: string }, check: DomainCheck): Promise<DomainTransition | undefined> {
  const definite = check.dkim === 'missing' || check.dkim === 'mismatch';
  try {
    // Locks the domain row so concurrent checks (sweeper, owner's verify) apply one after the other; the last to commit wins.
    const [row] = await db.$queryRaw<DomainTransition[]>`
      UPDATE sender_domain d SET
        status = CASE WHEN d.trusted THEN d.status
                      WHEN ${check.dkim} = 'verified' THEN 'verified'::sender_domain_status
                      WHEN ${definite} AND d.status = 'verified' THEN 'unverified'::sender_domain_status
                      ELSE d.status END,
        verified_at = CASE WHEN NOT d.trusted AND ${check.dkim} = 'verified' AND d.status <> 'verified' THEN now() ELSE d.verified_at END,
        unverified_since = CASE WHEN d.trusted OR ${check.dkim} = 'verified' THEN NULL
                                WHEN ${definite} AND d.status = 'verified' THEN now()
                                ELSE d.unverified_since END,
        dkim_record_status = ${check.dkim}, spf_record_status = ${check.spf}, last_check_error = ${check.error},
        last_checked_at = now(), updated_at = now()
      FROM (SELECT id, status FROM sender_domain WHERE id = ${domain.id} AND tenant_id = ${domain.tenantId} FOR UPDATE) old
      WHERE d.id = old.id
      RETURNING old.status AS previous, d.status`;
    return row;
  } catch (error) {
    // sender_domain_owned_name_key: another tenant verified this name first.
    if (sqlStateOf(error) === '23505') throw new ConflictError(`${domain.name} is registered to another account`);
    throw error;
  }
}
