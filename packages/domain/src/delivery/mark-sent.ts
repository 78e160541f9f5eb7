import type { Db } from '@postdate/db';
import type { RecipientResult } from './record-recipient-results';

export interface MarkSentRequest {
  emailId: bigint;
  attempt: number;
  response: string;
  recipients: RecipientResult[];
}

/**
 * Step 3 of delivery: record the SMTP server's acceptance — the email, its recipients' results and the
 * attempt log — in one statement, so one round trip and atomic. Returns false when the fence failed —
 * this worker's lease was recovered and the email taken back while it was sending — so the caller can
 * report the lost claim instead of overwriting the newer state.
 */
export async function markSent(db: Db, request: MarkSentRequest): Promise<boolean> {
  const { emailId, attempt } = request;
  const results = [...request.recipients].sort((a, b) => (a.id < b.id ? -1 : 1));
  const response = request.response.slice(0, 1000);
  // Fence: only the holder of the current attempt completes it (status and attempt number must still be
  // ours). Lock order as everywhere: the email row first; the recipient rows, by id, only once it matched.
  const [outcome] = await db.$queryRaw<{ fenced: boolean; already_done: boolean }[]>`
    WITH sent AS (
      UPDATE scheduled_email
      SET status = 'sent', sent_at = now(), lease_until = NULL, last_error = NULL, updated_at = now()
      WHERE id = ${emailId} AND status = 'sending' AND attempts = ${attempt}
      RETURNING id
    ), recipients AS (
      UPDATE recipient r
      SET status = v.status::recipient_status, smtp_response = v.response, updated_at = now()
      FROM unnest(${results.map((r) => r.id)}::bigint[], ${results.map((r) => r.status)}::text[],
                  ${results.map((r) => r.response)}::text[]) AS v(id, status, response)
      WHERE r.id = v.id AND r.email_id IN (SELECT id FROM sent)
    ), logged AS (
      UPDATE delivery_attempt
      SET finished_at = now(), smtp_response = ${response},
          outcome = CASE WHEN EXISTS (SELECT 1 FROM sent) THEN 'sent' ELSE 'sent_after_lease_lost' END
      WHERE email_id = ${emailId} AND attempt = ${attempt} AND finished_at IS NULL
    )
    SELECT EXISTS (SELECT 1 FROM sent) AS fenced,
           -- A retry after a lost connection may find its own earlier commit: success, not a lost claim.
           EXISTS (SELECT 1 FROM scheduled_email WHERE id = ${emailId} AND status = 'sent' AND attempts = ${attempt}) AS already_done`;
  return Boolean(outcome?.fenced || outcome?.already_done);
}
