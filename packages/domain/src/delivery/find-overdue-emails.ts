import { Prisma, type Db } from '@postdate/db';
import type { DeliveryTarget } from './delivery-target';
import { databaseClock, type SqlClock } from './sql-clock';
import { toDeliveryTarget, type TargetRow } from './target-row';

/** Where a page of the overdue scan ended: the next page starts after this (due_at, id). */
export interface OverdueCursor {
  dueAt: Date;
  id: bigint;
}

/**
 * One page of the scheduled emails that should have been claimed a while ago, in (due_at, id) order, after
 * `after` when given. Their job is probably gone (Redis flushed, enqueue failed after commit); re-adding it
 * under its deterministic id is harmless if not. Keyset paging on scheduled_email_due_id_idx: each page
 * starts where the last ended, so a pass reads every overdue row once however many share a due time.
 */
export async function findOverdueEmails(
  db: Db,
  graceMs: number,
  batchSize: number,
  after: OverdueCursor | null = null,
  clock: SqlClock = databaseClock,
): Promise<DeliveryTarget[]> {
  const from = after ? Prisma.sql`AND (due_at, id) > (${after.dueAt}, ${after.id})` : Prisma.empty;
  // SKIP LOCKED: a row locked right now is being claimed by a worker, so its job is demonstrably alive.
  const rows = await db.$queryRaw<TargetRow[]>`
    SELECT id, tenant_id, version, attempts, due_at, created_at FROM scheduled_email
    WHERE status = 'scheduled' AND due_at < ${clock.now()} - make_interval(secs => ${graceMs / 1000}) ${from}
    ORDER BY due_at, id LIMIT ${batchSize}
    FOR UPDATE SKIP LOCKED`;
  return rows.map(toDeliveryTarget);
}

/** The cursor after the last email of a page. */
export function overdueCursorAfter(target: DeliveryTarget): OverdueCursor {
  return { dueAt: target.dueAt, id: BigInt(target.emailId) };
}
