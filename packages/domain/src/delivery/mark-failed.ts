import type { Db } from '@postdate/db';
import { finishAttempt, recordRecipientResults, type RecipientResult } from './record-recipient-results';

export type FailureReason = 'smtp_rejected' | 'retries_exhausted' | 'outcome_unknown' | 'expired' | 'no_recipients';

export interface MarkFailedRequest {
  emailId: bigint;
  attempt: number;
  reason: FailureReason;
  error: string;
  recipients?: RecipientResult[];
}

/** Ends an attempt for good: sending → failed, fenced on the attempt number like markSent. */
export async function markFailed(tx: Db, request: MarkFailedRequest): Promise<boolean> {
  // Fence: a worker whose lease was recovered must not fail an attempt that now belongs to someone else.
  const updated = await tx.$executeRaw`
    UPDATE scheduled_email
    SET status = 'failed', failure_reason = ${request.reason}, last_error = ${request.error.slice(0, 1000)},
        lease_until = NULL, updated_at = now()
    WHERE id = ${request.emailId} AND status = 'sending' AND attempts = ${request.attempt}`;
  await finishAttempt(tx, request.emailId, request.attempt, request.reason, request.error);
  if (updated !== 1) return false;
  await recordRecipientResults(tx, request.emailId, request.recipients ?? []);
  return true;
}
