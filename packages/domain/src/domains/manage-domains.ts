import type { Db, SenderDomain } from '@postdate/db';
import { NotFoundError } from '../errors';
import { isRowId } from '../emails/find-email';

/** A client-supplied domain id; anything that is not one of ours is simply not found. */
export function parseDomainId(raw: string): bigint {
  if (!isRowId(raw)) throw new NotFoundError(`domain ${raw.slice(0, 40)} not found`);
  return BigInt(raw);
}

/** One domain of this tenant; another tenant's id is indistinguishable from none. */
export async function findDomain(db: Db, tenantId: bigint, id: bigint): Promise<SenderDomain> {
  const domain = await db.senderDomain.findFirst({ where: { id, tenantId } });
  if (!domain) throw new NotFoundError(`domain ${id} not found`);
  return domain;
}

/** The tenant's domains by name (at most MAX_DOMAINS_PER_TENANT, so one page). */
export function listDomains(db: Db, tenantId: bigint): Promise<SenderDomain[]> {
  return db.senderDomain.findMany({ where: { tenantId }, orderBy: { name: 'asc' } });
}

/**
 * Deletes a domain and its key. Emails already scheduled from it are not sent: the claim finds no verified
 * domain for their From and fails them (`domain_unverified`). The name is free for another tenant to verify.
 */
export async function deleteDomain(db: Db, tenantId: bigint, id: bigint): Promise<void> {
  const { count } = await db.senderDomain.deleteMany({ where: { id, tenantId } });
  if (count === 0) throw new NotFoundError(`domain ${id} not found`);
}
