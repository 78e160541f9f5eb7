import type { Db } from '@postdate/db';
import type { DeliveryTarget } from './delivery-target';
import { finishAttempt } from './record-recipient-results';
import { toDeliveryTarget, type TargetRow } from './target-row';

export interface ScheduleRetryRequest {
  emailId: bigint;
  attempt: number;
  delaySeconds: number;
  error: string;
  horizonSeconds: number;
}

interface RetriedRow extends TargetRow {
  queued: boolean;
}

/**
 * A transient failure: sending → scheduled, due again after the backoff, this row alone.
 * Returns whether the fence held, and the job to add (none when the retry lies beyond the enqueue horizon).
 */
export async function scheduleRetry(
  tx: Db,
  request: ScheduleRetryRequest,
): Promise<{ fenced: false } | { fenced: true; enqueue: DeliveryTarget | null }> {
  // Fence on the attempt number: only the worker that made this attempt may hand the row back.
  const rows = await tx.$queryRaw<RetriedRow[]>`
    UPDATE scheduled_email
    SET status = 'scheduled', lease_until = NULL, last_error = ${request.error.slice(0, 1000)}, updated_at = now(),
        due_at = now() + make_interval(secs => ${request.delaySeconds}),
        queued = ${request.delaySeconds <= request.horizonSeconds}
    WHERE id = ${request.emailId} AND status = 'sending' AND attempts = ${request.attempt}
    RETURNING id, tenant_id, version, attempts, due_at, created_at, queued`;
  await finishAttempt(tx, request.emailId, request.attempt, 'transient_failure', request.error);
  const row = rows[0];
  if (!row) return { fenced: false };
  return { fenced: true, enqueue: row.queued ? toDeliveryTarget(row) : null };
}
