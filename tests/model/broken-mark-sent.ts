import { inTransaction, type Db } from '@postdate/db';
import { recordEvents, type MarkSentRequest } from '@postdate/domain';

/**
 * markSent with half its fence gone, for the model checker to catch (broken-fence.test.ts): the email is
 * matched on the attempt number alone, not also on `status = 'sending'`. Lease recovery leaves the attempt
 * number as it was, so a worker whose lease was taken back still lands its record, on an email the sweeper
 * has rescheduled or failed. Test-only: it reaches the deliverer through the same statements seam a worker
 * uses, never through a switch in the shipped code.
 */
export function markSentWithoutStatusFence(db: Db, request: MarkSentRequest): Promise<boolean> {
  return inTransaction(db, async (tx) => {
    // The broken fence: locks and completes the email row if the attempt number matches, whatever its status.
    const [sent] = await tx.$queryRaw<{ message_id: string | null }[]>`
      UPDATE scheduled_email SET status = 'sent', sent_at = now(), lease_until = NULL, last_error = NULL, updated_at = now()
      WHERE id = ${request.emailId} AND attempts = ${request.attempt}
      RETURNING message_id`;
    if (!sent) return false;
    const results = [...request.recipients].sort((a, b) => (a.id < b.id ? -1 : 1));
    // The email's recipient rows, after its row (the one lock order), in id order.
    await tx.$executeRaw`
      UPDATE recipient r SET status = v.status::recipient_status, smtp_response = v.response, updated_at = now()
      FROM unnest(${results.map((r) => r.id)}::bigint[], ${results.map((r) => r.status)}::text[], ${results.map((r) => r.response)}::text[]) AS v(id, status, response)
      WHERE r.id = v.id AND r.email_id = ${request.emailId}`;
    await tx.$executeRaw`
      UPDATE delivery_attempt SET finished_at = now(), outcome = 'sent', smtp_response = ${request.response}
      WHERE email_id = ${request.emailId} AND attempt = ${request.attempt} AND finished_at IS NULL`;
    await recordEvents(tx, [{ emailId: request.emailId, type: 'email.sent', data: { status: 'sent', attempt: request.attempt, messageId: sent.message_id } }]);
    return true;
  });
}
