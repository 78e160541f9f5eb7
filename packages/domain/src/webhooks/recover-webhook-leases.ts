import { inTransaction, type Db } from '@postdate/db';
import type { WebhookPolicy } from './webhook-policy';

export interface WebhookLeaseRecovery {
  /** Handed back to pending, due now: the promoter gives each a job, and it is POSTed again, same webhook-id. */
  retried: number;
  /** Failed: the attempt that crashed was the schedule's last. */
  failed: number;
}

const LEASE_EXPIRED = 'lease expired: the worker stopped responding during the POST';

/**
 * A worker that died mid-POST leaves its delivery `delivering` with a lease in the past. Once taken back it
 * is no longer `delivering`, so a worker that was merely slow fails its fence in the record and reports a
 * lost claim instead of overwriting the newer state. At least once: the receiver may have had the first
 * POST; the second carries the same webhook-id.
 */
export function recoverWebhookLeases(db: Db, policy: Pick<WebhookPolicy, 'retryScheduleSeconds'>, batchSize: number): Promise<WebhookLeaseRecovery> {
  return inTransaction(db, async (tx) => {
    // SKIP LOCKED: concurrent sweepers split the expired rows, and a row whose worker is recording right now
    // (holding its lock) is left to that worker instead of being taken back under it.
    const rows = await tx.$queryRaw<{ id: bigint; attempts: number; status: string }[]>`
      UPDATE webhook_delivery d
      SET status = CASE WHEN d.attempts > ${policy.retryScheduleSeconds.length} THEN 'failed' ELSE 'pending' END::webhook_delivery_status,
          due_at = now(), queued = false, lease_until = NULL, last_error = ${LEASE_EXPIRED}, updated_at = now()
      FROM (
        SELECT id FROM webhook_delivery
        WHERE status = 'delivering' AND lease_until < now()
        ORDER BY lease_until LIMIT ${batchSize}
        FOR UPDATE SKIP LOCKED
      ) expired
      WHERE d.id = expired.id
      RETURNING d.id, d.attempts, d.status::text AS status`;
    if (rows.length > 0) {
      // Closes the crashed attempts' log rows, under the delivery locks taken above.
      await tx.$executeRaw`
        UPDATE webhook_attempt a SET finished_at = now(), outcome = 'lease_expired', error = ${LEASE_EXPIRED}
        FROM unnest(${rows.map((r) => r.id)}::bigint[], ${rows.map((r) => r.attempts)}::int[]) AS x(id, attempt)
        WHERE a.delivery_id = x.id AND a.attempt = x.attempt AND a.finished_at IS NULL`;
    }
    const failed = rows.filter((r) => r.status === 'failed').length;
    return { retried: rows.length - failed, failed };
  });
}
