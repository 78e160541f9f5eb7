import { inTransaction, type Db } from '@postdate/db';
import type { DeliveryTarget } from './delivery-target';
import { toDeliveryTarget, type TargetRow } from './target-row';

/**
 * Emails scheduled far ahead are kept out of Redis; as each comes within the horizon it gets its job.
 * Marking `queued` first and enqueueing after means a crash in between leaves the row to the overdue scan.
 */
export function promoteToHorizon(db: Db, horizonSeconds: number, batchSize: number): Promise<DeliveryTarget[]> {
  return inTransaction(db, async (tx) => {
    // SKIP LOCKED: concurrent sweepers take disjoint batches; rows being edited are picked up next pass.
    const rows = await tx.$queryRaw<TargetRow[]>`
      UPDATE scheduled_email e SET queued = true
      FROM (
        SELECT id FROM scheduled_email
        WHERE status = 'scheduled' AND NOT queued AND due_at <= now() + make_interval(secs => ${horizonSeconds})
        ORDER BY due_at LIMIT ${batchSize}
        FOR UPDATE SKIP LOCKED
      ) entering
      WHERE e.id = entering.id
      RETURNING e.id, e.tenant_id, e.version, e.attempts, e.due_at, e.created_at`;
    return rows.map(toDeliveryTarget);
  });
}
