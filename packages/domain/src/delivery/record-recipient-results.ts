import type { Db } from '@postdate/db';
import type { NewEvent } from '../events/event-types';
import type { Refusal } from '../suppressions/suppress-refused';

export interface RecipientResult {
  id: bigint;
  address: string;
  status: 'sent' | 'rejected';
  response: string | null;
  /** For a rejected recipient: refused for good (5xx) or for now (4xx); a re-armed email retries the latter. */
  refusal: 'permanent' | 'transient' | null;
}

/** Stores what the SMTP server said of each recipient, in one statement, under the caller's email row lock. */
export async function recordRecipientResults(tx: Db, emailId: bigint, results: RecipientResult[]): Promise<void> {
  if (results.length === 0) return;
  const sorted = [...results].sort((a, b) => (a.id < b.id ? -1 : 1));
  await tx.$executeRaw`
    UPDATE recipient r
    SET status = v.status::recipient_status, smtp_response = v.response, refusal = v.refusal::recipient_refusal, updated_at = now()
    FROM unnest(${sorted.map((r) => r.id)}::bigint[], ${sorted.map((r) => r.status)}::text[],
                ${sorted.map((r) => r.response)}::text[], ${sorted.map((r) => r.refusal)}::text[]) AS v(id, status, response, refusal)
    WHERE r.id = v.id AND r.email_id = ${emailId}`;
}

/** Closes this attempt's row in the delivery log. */
export async function finishAttempt(
  tx: Db,
  emailId: bigint,
  attempt: number,
  outcome: string,
  smtpResponse: string | null,
): Promise<void> {
  await tx.deliveryAttempt.updateMany({
    where: { emailId, attempt, finishedAt: null },
    data: { finishedAt: new Date(), outcome, smtpResponse: smtpResponse?.slice(0, 1000) ?? null },
  });
}

/**
 * How an attempt ended, by its log row: what a retried record compares with its own outcome to tell its
 * earlier commit (answer lost) from a claim taken away ('lease_expired'). Undefined while it runs.
 */
export async function attemptOutcome(tx: Db, emailId: bigint, attempt: number): Promise<string | undefined> {
  const [row] = await tx.$queryRaw<{ outcome: string | null }[]>`
    SELECT outcome FROM delivery_attempt WHERE email_id = ${emailId} AND attempt = ${attempt} AND finished_at IS NOT NULL`;
  return row?.outcome ?? undefined;
}

/** One email.recipient_rejected event per refused recipient, for the outbox of the record that stores them. */
export function recipientEvents(emailId: bigint, attempt: number, results: RecipientResult[]): NewEvent[] {
  return results
    .filter((r) => r.status === 'rejected')
    .map((r) => ({ emailId, type: 'email.recipient_rejected' as const, data: { attempt, address: r.address, smtpResponse: r.response, refusal: r.refusal } }));
}

/** The recipients a relay refused for good: what goes on the tenant's suppression list. */
export function permanentRefusals(tenantId: bigint, results: RecipientResult[]): Refusal[] {
  return results.filter((r) => r.status === 'rejected' && r.refusal === 'permanent').map((r) => ({ tenantId, address: r.address, response: r.response }));
}
