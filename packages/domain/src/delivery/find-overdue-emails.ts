import type { Db } from '@postdate/db';
import type { DeliveryTarget } from './delivery-target';
import { toDeliveryTarget, type TargetRow } from './target-row';

/**
 * Scheduled emails that should have been claimed a while ago. Their job is probably gone (Redis
 * flushed, enqueue failed after commit); re-adding it under its deterministic id is harmless if not.
 */
export async function findOverdueEmails(db: Db, graceMs: number, batchSize: number): Promise<DeliveryTarget[]> {
  // SKIP LOCKED: a row locked right now is being claimed by a worker, so its job is demonstrably alive.
  const rows = await db.$queryRaw<TargetRow[]>`
    SELECT id, tenant_id, version, attempts, due_at, created_at FROM scheduled_email
    WHERE status = 'scheduled' AND due_at < now() - make_interval(secs => ${graceMs / 1000})
    ORDER BY due_at LIMIT ${batchSize}
    FOR UPDATE SKIP LOCKED`;
  return rows.map(toDeliveryTarget);
}
