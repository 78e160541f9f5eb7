import { inTransaction, type Db } from '@postdate/db';
import type { DeliveryTarget } from './delivery-target';
import { recordEvents } from '../events/record-events';
import { attemptOutcome, finishAttempt } from './record-recipient-results';
import { databaseClock, type SqlClock } from './sql-clock';
import { toDeliveryTarget, type TargetRow } from './target-row';

export interface ScheduleRetryRequest {
  emailId: bigint;
  attempt: number;
  delaySeconds: number;
  error: string;
  horizonSeconds: number;
  /**
   * The relay asked us to slow down (not a verdict on this email): the attempt is not held against the
   * email's retry cap (attempts_at_arm moves with attempts), and its event says so.
   */
  throttled?: boolean;
}

/** How the attempt log names an attempt that ended in a retry; also how a retried record knows its own. */
const TRANSIENT_FAILURE = 'transient_failure';
const THROTTLED = 'throttled';

interface RetriedRow extends TargetRow {
  queued: boolean;
}

/**
 * A transient failure: sending → scheduled, due again after the backoff, this row alone. Returns whether the
 * fence held (or this very record committed earlier: a retry after its answer was lost), and the job to add
 * (none when the retry lies beyond the enqueue horizon, or the email has moved on since).
 */
export function scheduleRetry(
  db: Db,
  request: ScheduleRetryRequest,
  clock: SqlClock = databaseClock,
): Promise<{ fenced: false } | { fenced: true; enqueue: DeliveryTarget | null }> {
  return inTransaction(db, async (tx) => {
    // Fence on the attempt number: only the worker that made this attempt may hand the row back.
    const rows = await tx.$queryRaw<RetriedRow[]>`
      UPDATE scheduled_email
      SET status = 'scheduled', lease_until = NULL, last_error = ${request.error.slice(0, 1000)}, updated_at = now(),
          due_at = ${clock.now()} + make_interval(secs => ${request.delaySeconds}),
          queued = ${request.delaySeconds <= request.horizonSeconds},
          attempts_at_arm = attempts_at_arm + ${request.throttled ? 1 : 0}
      WHERE id = ${request.emailId} AND status = 'sending' AND attempts = ${request.attempt}
      RETURNING id, tenant_id, version, attempts, due_at, created_at, queued`;
    const outcome = request.throttled ? THROTTLED : TRANSIENT_FAILURE;
    const row = rows[0];
    if (!row) {
      if ((await attemptOutcome(tx, request.emailId, request.attempt)) !== outcome) return { fenced: false };
      // Our own earlier commit: the job to add is the email's as it stands, if it still waits at this attempt.
      const [waiting] = await tx.$queryRaw<RetriedRow[]>`
        SELECT id, tenant_id, version, attempts, due_at, created_at, queued FROM scheduled_email
        WHERE id = ${request.emailId} AND status = 'scheduled' AND attempts = ${request.attempt}`;
      return { fenced: true, enqueue: waiting?.queued ? toDeliveryTarget(waiting) : null };
    }
    await finishAttempt(tx, request.emailId, request.attempt, outcome, request.error);
    await recordEvents(tx, [
      {
        emailId: request.emailId,
        type: 'email.delivery_delayed',
        data: { status: 'scheduled', reason: request.throttled ? 'relay_throttled' : 'smtp_transient', attempt: request.attempt, error: request.error.slice(0, 1000), nextAttemptAt: row.due_at.toISOString() },
      },
    ]);
    return { fenced: true, enqueue: row.queued ? toDeliveryTarget(row) : null };
  });
}
