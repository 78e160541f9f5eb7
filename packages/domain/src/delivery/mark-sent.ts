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
  await finishAttempt(tx, request.emailId, request.attempt, updated === 1 ? 'sent' : 'sent_after_lease_lost', request.response);
  if (updated !== 1) return false;
  await recordRecipientResults(tx, request.emailId, request.recipients);
  return true;
}
