import { Prisma, type Db, type Recipient } from '@postdate/db';
import type { EmailWithRecipients } from './email-view';

// Emails with their recipients, read in one raw statement. Prisma's `include` costs 3–4× the client CPU
// of this for the same rows (BENCHMARKS.md §3, reads), and every GET, list page and replay reads this way.
// The columns are aliased to the model's field names, so each row is already a ScheduledEmail; a test
// compares the result with Prisma's own model read, so a column added to the schema cannot be missed here.

/** A recipient as json_build_object renders it below: bigint ids as text, timestamps as ISO strings. */
interface RecipientJson extends Omit<Recipient, 'id' | 'emailId' | 'updatedAt'> {
  id: string;
  emailId: string;
  updatedAt: string;
}

type EmailRow = Omit<EmailWithRecipients, 'recipients'> & { recipients: RecipientJson[] };

const EMAIL_WITH_RECIPIENTS = Prisma.sql`
  e.id, e.tenant_id AS "tenantId", e.idempotency_key AS "idempotencyKey", e.request_hash AS "requestHash",
  e.status, e.send_at AS "sendAt", e.due_at AS "dueAt", e.expires_after_seconds AS "expiresAfterSeconds",
  e.from_address AS "fromAddress", e.reply_to AS "replyTo", e.subject, e.text_body AS "textBody",
  e.html_body AS "htmlBody", e.headers, e.metadata, e.version, e.attempts, e.attempts_at_arm AS "attemptsAtArm",
  e.queued, e.lease_until AS "leaseUntil", e.failure_reason AS "failureReason", e.last_error AS "lastError",
  e.message_id AS "messageId", e.sent_at AS "sentAt", e.canceled_at AS "canceledAt", e.created_at AS "createdAt",
  e.updated_at AS "updatedAt", e.event_sequence AS "eventSequence",
  (SELECT coalesce(json_agg(json_build_object(
            'id', r.id::text, 'emailId', r.email_id::text, 'address', r.address, 'name', r.name, 'kind', r.kind,
            'status', r.status, 'smtpResponse', r.smtp_response, 'refusal', r.refusal, 'updatedAt', r.updated_at) ORDER BY r.id), '[]')
   FROM recipient r WHERE r.email_id = e.id) AS recipients`;

function toEmailWithRecipients(row: EmailRow): EmailWithRecipients {
  return {
    ...row,
    recipients: row.recipients.map((r) => ({ ...r, id: BigInt(r.id), emailId: BigInt(r.emailId), updatedAt: new Date(r.updatedAt) })),
  };
}

/**
 * Reads this tenant's emails matching `filter` (a condition on `e`, the email row), with their recipients
 * in id order, in the order and up to the limit `tail` gives. One statement whatever the number of emails.
 */
export async function readEmails(db: Db, tenantId: bigint, filter: Prisma.Sql, tail: Prisma.Sql = Prisma.empty): Promise<EmailWithRecipients[]> {
  const rows = await db.$queryRaw<EmailRow[]>`
    SELECT ${EMAIL_WITH_RECIPIENTS} FROM scheduled_email e WHERE e.tenant_id = ${tenantId} AND ${filter} ${tail}`;
  return rows.map(toEmailWithRecipients);
}
