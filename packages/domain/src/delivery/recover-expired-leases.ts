import { inTransaction, type Db } from '@postdate/db';
import { recordEvents } from '../events/record-events';
import type { DeliveryPolicy } from './delivery-policy';
import type { DeliveryTarget } from './delivery-target';
import { databaseClock, type SqlClock } from './sql-clock';
import { toDeliveryTarget, type TargetRow } from './target-row';

export interface LeaseRecovery {
  /** Handed back to `scheduled` (at-least-once): re-sent with the same Message-ID. */
  rescheduled: DeliveryTarget[];
  /** Failed as `outcome_unknown` (at-most-once, or out of attempts). */
  failed: bigint[];
}

/**
 * A worker that died mid-send leaves its email `sending` with a lease in the past. Once the row is taken
 * back it is no longer `sending`, so a worker that was merely slow fails its fence in markSent and
 * reports a lost claim rather than overwriting the newer state.
 */
export function recoverExpiredLeases(db: Db, policy: DeliveryPolicy, batchSize: number, clock: SqlClock = databaseClock): Promise<LeaseRecovery> {
  return inTransaction(db, async (tx) => {
    const now = clock.now();
    const failAll = policy.leaseRecovery === 'at-most-once';
    // SKIP LOCKED: concurrent sweepers split the expired rows, and a row whose worker is committing right now
    // (holding its lock in markSent) is left to that worker instead of being recovered under it.
    const rows = await tx.$queryRaw<(TargetRow & { status: string })[]>`
      UPDATE scheduled_email e
      SET status = CASE WHEN ${failAll} OR e.attempts - e.attempts_at_arm >= ${policy.maxAttempts}
                        THEN 'failed'::email_status ELSE 'scheduled'::email_status END,
          failure_reason = CASE WHEN ${failAll} OR e.attempts - e.attempts_at_arm >= ${policy.maxAttempts}
                                THEN 'outcome_unknown' ELSE e.failure_reason END,
          last_error = 'lease expired: the worker stopped responding during delivery',
          lease_until = NULL, due_at = ${now}, queued = true, updated_at = now()
      FROM (
        SELECT id FROM scheduled_email
        WHERE status = 'sending' AND lease_until < ${now}
        ORDER BY lease_until LIMIT ${batchSize}
        FOR UPDATE SKIP LOCKED
      ) expired
      WHERE e.id = expired.id
      RETURNING e.id, e.tenant_id, e.version, e.attempts, e.due_at, e.created_at, e.status::text AS status`;
    if (rows.length > 0) {
      await tx.deliveryAttempt.updateMany({
        where: { emailId: { in: rows.map((r) => r.id) }, finishedAt: null },
        data: { finishedAt: new Date(), outcome: 'lease_expired' },
      });
    }
    // The outbox: taken back to send again (at-least-once) or failed, each said with the change.
    const error = 'lease expired: the worker stopped responding during delivery';
    await recordEvents(
      tx,
      rows.map((r) =>
        r.status === 'scheduled'
          ? { emailId: r.id, type: 'email.delivery_delayed', data: { status: 'scheduled', reason: 'lease_expired', attempt: r.attempts, error, nextAttemptAt: r.due_at.toISOString() } }
          : { emailId: r.id, type: 'email.failed', data: { status: 'failed', reason: 'outcome_unknown', attempt: r.attempts, error } },
      ),
    );
    return {
      rescheduled: rows.filter((r) => r.status === 'scheduled').map(toDeliveryTarget),
      failed: rows.filter((r) => r.status === 'failed').map((r) => r.id),
    };
  });
}
