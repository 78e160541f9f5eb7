import type { Db } from '@postdate/db';

export interface RecipientResult {
  id: bigint;
  status: 'sent' | 'rejected';
  response: string | null;
}

/** Stores what the SMTP server said of each recipient, in one statement, under the caller's email row lock. */
export async function recordRecipientResults(tx: Db, emailId: bigint, results: RecipientResult[]): Promise<void> {
  if (results.length === 0) return;
  const sorted = [...results].sort((a, b) => (a.id < b.id ? -1 : 1));
  await tx.$executeRaw`
    UPDATE recipient r
    SET status = v.status::recipient_status, smtp_response = v.response, updated_at = now()
    FROM unnest(${sorted.map((r) => r.id)}::bigint[], ${sorted.map((r) => r.status)}::text[],
                ${sorted.map((r) => r.response)}::text[]) AS v(id, status, response)
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
