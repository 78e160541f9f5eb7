import { inTransaction, type Db } from '@postdate/db';
import { toWebhookTarget, type WebhookTarget, type WebhookTargetRow } from './webhook-target';

/**
 * The only way a pending delivery gets a job: once it is due (fanned out by an event, handed back for a
 * retry, taken back from a dead worker, redelivered), it is marked `queued` and its job target returned.
 * Marking first and enqueueing after commit means a crash in between leaves the row to the overdue scan.
 * Nothing waits in Redis for a later time: a retry due in ten hours costs nothing until then.
 */
export function promoteDueWebhooks(db: Db, batchSize: number): Promise<WebhookTarget[]> {
  return inTransaction(db, async (tx) => {
    // SKIP LOCKED: every worker's promoter polls; concurrent ones take disjoint rows, and a row a claim or a
    // redelivery holds right now is left for the next poll. The partial index on unqueued pending rows keeps
    // an idle poll at a few buffers however long the history.
    return (
      await tx.$queryRaw<WebhookTargetRow[]>`
        UPDATE webhook_delivery d SET queued = true, updated_at = now()
        FROM (
          SELECT id FROM webhook_delivery
          WHERE status = 'pending' AND NOT queued AND due_at <= now()
          ORDER BY due_at LIMIT ${batchSize}
          FOR UPDATE SKIP LOCKED
        ) due
        WHERE d.id = due.id
        RETURNING d.id, d.created_at, d.attempts`
    ).map(toWebhookTarget);
  });
}
