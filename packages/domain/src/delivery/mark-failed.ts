import { inTransaction, type Db } from '@postdate/db';
import { recordEvents } from '../events/record-events';
import { suppressRefused } from '../suppressions/suppress-refused';
import { attemptOutcome, finishAttempt, permanentRefusals, recipientEvents, recordRecipientResults, type RecipientResult } from './record-recipient-results';

export type FailureReason =
  | 'smtp_rejected'
  | 'retries_exhausted'
  | 'outcome_unknown'
  | 'expired'
  | 'no_recipients'
  | 'suppressed'
  /** From is not on a verified domain of the tenant any more (deleted, or lapsed past its grace period). */
  | 'domain_unverified';

export interface MarkFailedRequest {
  emailId: bigint;
  attempt: number;
  reason: FailureReason;
  error: string;
  recipients?: RecipientResult[];
}

/**
 * Ends an attempt for good: sending → failed, fenced on status and attempt number like markSent. True when
 * the fence held, or when this very record committed earlier (a retry after its answer was lost: the
 * attempt's log says so); false when the claim was lost (the sweeper took the email back).
 */
export function markFailed(db: Db, request: MarkFailedRequest): Promise<boolean> {
  return inTransaction(db, async (tx) => {
    // Fence: a worker whose lease was recovered must not fail an attempt that now belongs to someone else.
    const [failed] = await tx.$queryRaw<{ tenant_id: bigint }[]>`
      UPDATE scheduled_email
      SET status = 'failed', failure_reason = ${request.reason}, last_error = ${request.error.slice(0, 1000)},
          lease_until = NULL, updated_at = now()
      WHERE id = ${request.emailId} AND status = 'sending' AND attempts = ${request.attempt}
      RETURNING tenant_id`;
    if (!failed) return (await attemptOutcome(tx, request.emailId, request.attempt)) === request.reason;
    await finishAttempt(tx, request.emailId, request.attempt, request.reason, request.error);
    await recordRecipientResults(tx, request.emailId, request.recipients ?? []);
    await recordEvents(tx, [
      { emailId: request.emailId, type: 'email.failed', data: { status: 'failed', reason: request.reason, attempt: request.attempt, error: request.error.slice(0, 1000) } },
      ...recipientEvents(request.emailId, request.attempt, request.recipients ?? []),
    ]);
    // Addresses the relay refused for good go on the tenant's suppression list, with the refusal.
    await suppressRefused(tx, permanentRefusals(failed.tenant_id, request.recipients ?? []));
    return true;
  });
}
