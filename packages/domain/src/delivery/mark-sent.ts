import { inTransaction, type Db } from '@postdate/db';
import { recordEvents } from '../events/record-events';
import type { NewEvent } from '../events/event-types';
import { suppressRefused } from '../suppressions/suppress-refused';
import { permanentRefusals, recipientEvents, type RecipientResult } from './record-recipient-results';

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
export function markSent(db: Db, requests: MarkSentRequest[]): Promise<boolean[]> {
  return inTransaction(db, async (tx) => {
    const results = requests
      .flatMap((request) => request.recipients.map((r) => ({ ...r, emailId: request.emailId })))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    // Fence: only the holder of the current attempt completes it (status and attempt number must still be
    // its own). Lock order as everywhere: email rows first, by id (ORDER BY under FOR UPDATE, so batches
    // sharing a row cannot deadlock); an email's recipient rows only once that email matched.
    const outcomes = await tx.$queryRaw<{ email_id: bigint; fenced: boolean; already_done: boolean; sent_at: Date | null; message_id: string | null; tenant_id: bigint | null }[]>`
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
        RETURNING e.id, e.tenant_id, e.sent_at, e.message_id
      ), recipients AS (
        UPDATE recipient r
        SET status = v.status::recipient_status, smtp_response = v.response, refusal = v.refusal::recipient_refusal, updated_at = now()
        FROM unnest(${results.map((r) => r.id)}::bigint[], ${results.map((r) => r.emailId)}::bigint[],
                    ${results.map((r) => r.status)}::text[], ${results.map((r) => r.response)}::text[],
                    ${results.map((r) => r.refusal)}::text[])
          AS v(id, email_id, status, response, refusal)
        WHERE r.id = v.id AND r.email_id = v.email_id AND v.email_id IN (SELECT id FROM sent)
      ), logged AS (
        UPDATE delivery_attempt a
        SET finished_at = now(), smtp_response = r.response,
            outcome = CASE WHEN a.email_id IN (SELECT id FROM sent) THEN 'sent' ELSE 'sent_after_lease_lost' END
        FROM request r
        WHERE a.email_id = r.email_id AND a.attempt = r.attempt AND a.finished_at IS NULL
      )
      SELECT r.email_id, s.id IS NOT NULL AS fenced, s.tenant_id, s.sent_at, s.message_id,
             -- A retry after a lost connection may find its own earlier commit: success, not a lost claim.
             EXISTS (SELECT 1 FROM scheduled_email e WHERE e.id = r.email_id AND e.status = 'sent' AND e.attempts = r.attempt)
               AS already_done
      FROM request r LEFT JOIN sent s ON s.id = r.email_id`;
    const outcomeOf = new Map(outcomes.map((o) => [o.email_id, o]));
    // The outbox, for the emails this statement completed (an earlier commit of the same record wrote its own).
    const events: NewEvent[] = requests.flatMap((request) => {
      const outcome = outcomeOf.get(request.emailId);
      if (!outcome?.fenced) return [];
      const recipients = request.recipients.map((r) => ({ address: r.address, status: r.status, smtpResponse: r.response, refusal: r.refusal }));
      const sent: NewEvent = {
        emailId: request.emailId,
        type: 'email.sent',
        data: { status: 'sent', attempt: request.attempt, sentAt: outcome.sent_at?.toISOString(), messageId: outcome.message_id, recipients },
      };
      return [sent, ...recipientEvents(request.emailId, request.attempt, request.recipients)];
    });
    await recordEvents(tx, events);
    // Addresses the relay refused for good go on their tenant's suppression list, with the refusal.
    await suppressRefused(
      tx,
      requests.flatMap((request) => {
        const tenantId = outcomeOf.get(request.emailId)?.tenant_id;
        return tenantId ? permanentRefusals(tenantId, request.recipients) : [];
      }),
    );
    return requests.map((request) => {
      const outcome = outcomeOf.get(request.emailId);
      return Boolean(outcome?.fenced || outcome?.already_done);
    });
  });
}
