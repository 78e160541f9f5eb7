import type { Db } from '@postdate/db';
import type { RecipientResult } from './record-recipient-results';

export interface MarkSentRequest {
  emailId: bigint;
  attempt: number;
  response: string;
  recipients: RecipientResult[];
}

/**
 * Step 3 of delivery: record SMTP acceptances — each email, its recipients' results and its attempt log —
 * in one statement for the whole batch, so one round trip and atomic. Answers, in request order, false
 * where the fence failed — that worker's lease was recovered and the email taken back while it was
 * sending — so the caller can report the lost claim instead of overwriting the newer state. Each email id
 * must appear at most once.
 */
export async function markSent(db: Db, requests: MarkSentRequest[]): Promise<boolean[]> {
  const results = requests
    .flatMap((request) => request.recipients.map((r) => ({ ...r, emailId: request.emailId })))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  // Fence: only the holder of the current attempt completes it (status and attempt number must still be
  // its own). Lock order as everywhere: email rows first, by id (ORDER BY under FOR UPDATE, so batches
  // sharing a row cannot deadlock); an email's recipient rows only once that email matched.
  const outcomes = await db.$queryRaw<{ email_id: bigint; fenced: boolean; already_done: boolean }[]>`
    WITH request AS (
      SELECT * FROM unnest(${requests.map((r) => r.emailId)}::bigint[], ${requests.map((r) => r.attempt)}::int[],
                           ${requests.map((r) => r.response.slice(0, 1000))}::text[])
        AS r(email_id, attempt, response)
    ), locked AS (
      SELECT e.id FROM scheduled_email e JOIN request r ON r.email_id = e.id
      WHERE e.status = 'sending' AND e.attempts = r.attempt
      ORDER BY e.id
      FOR UPDATE OF e
    ), sent AS (
      UPDATE scheduled_email e
      SET status = 'sent', sent_at = now(), lease_until = NULL, last_error = NULL, updated_at = now()
      FROM locked l WHERE e.id = l.id
      RETURNING e.id
    ), recipients AS (
      UPDATE recipient r
      SET status = v.status::recipient_status, smtp_response = v.response, updated_at = now()
      FROM unnest(${results.map((r) => r.id)}::bigint[], ${results.map((r) => r.emailId)}::bigint[],
                  ${results.map((r) => r.status)}::text[], ${results.map((r) => r.response)}::text[])
        AS v(id, email_id, status, response)
      WHERE r.id = v.id AND r.email_id = v.email_id AND v.email_id IN (SELECT id FROM sent)
    ), logged AS (
      UPDATE delivery_attempt a
      SET finished_at = now(), smtp_response = r.response,
          outcome = CASE WHEN a.email_id IN (SELECT id FROM sent) THEN 'sent' ELSE 'sent_after_lease_lost' END
      FROM request r
      WHERE a.email_id = r.email_id AND a.attempt = r.attempt AND a.finished_at IS NULL
    )
    SELECT r.email_id, r.email_id IN (SELECT id FROM sent) AS fenced,
           -- A retry after a lost connection may find its own earlier commit: success, not a lost claim.
           EXISTS (SELECT 1 FROM scheduled_email e WHERE e.id = r.email_id AND e.status = 'sent' AND e.attempts = r.attempt)
             AS already_done
    FROM request r`;
  const outcomeOf = new Map(outcomes.map((o) => [o.email_id, o.fenced || o.already_done]));
  return requests.map((request) => outcomeOf.get(request.emailId) ?? false);
}
