import type { Db } from '@postdate/db';
import { finishAttempt, recordRecipientResults, type RecipientResult } from './record-recipient-results';

export interface MarkSentRequest {
  emailId: bigint;
  attempt: number;
  response: string;
  recipients: RecipientResult[];
}

/**
 * Step 3 of delivery: record the SMTP server's acceptance. Returns false when the fence failed — this
 * worker's lease was recovered and the email re-claimed while it was sending — so the caller can
 * report the lost claim instead of overwriting the newer attempt's state.
 */
export async function markSent(tx: Db, request: MarkSentRequest): Promise<boolean> {
  // Fence: only the holder of the current attempt completes it; a recovered or re-claimed row matches nothing.
  const updated = await tx.$executeRaw`
    UPDATE scheduled_email
    SET status = 'sent', sent_at = now(), lease_until = NULL, last_error = NULL, updated_at = now()
    WHERE id = ${request.emailId} AND status = 'sending' AND attempts = ${request.attempt}`;
  if (updated !== 1) {
    // A retry after a lost connection may find its own earlier commit: that is success, not a lost claim.
    const [row] = await tx.$queryRaw<{ done: boolean }[]>`
      SELECT status = 'sent' AND attempts = ${request.attempt} AS done FROM scheduled_email WHERE id = ${request.emailId}`;
    if (row?.done) return true;
    await finishAttempt(tx, request.emailId, request.attempt, 'sent_after_lease_lost', request.response);
    return false;
  }
  await finishAttempt(tx, request.emailId, request.attempt, 'sent', request.response);
  await recordRecipientResults(tx, request.emailId, request.recipients);
  return true;
}
