import type { Db } from '@postdate/db';
import type { RecipientKind } from '../emails/recipient-list';

export interface ClaimRequest {
  emailId: bigint;
  tenantId: bigint;
  version: number;
  workerId: string;
  leaseSeconds: number;
  messageId: string;
}

export interface ClaimedEmail {
  emailId: bigint;
  attempt: number;
  /** Attempts made since the email was last armed (created, or re-armed by an edit): what the retry cap counts. */
  attemptsSinceArm: number;
  messageId: string;
  sendAt: Date;
  from: string;
  replyTo: string[];
  subject: string;
  text: string | null;
  html: string | null;
  headers: Record<string, string>;
  recipients: { id: bigint; address: string; name: string | null; kind: RecipientKind }[];
}

export type ClaimResult =
  | { kind: 'claimed'; email: ClaimedEmail }
  | { kind: 'skipped'; reason: 'missing' | 'wrong_tenant' | 'stale_version' | 'not_scheduled'; status?: string }
  | { kind: 'not_due'; dueAt: Date }
  | { kind: 'expired' };

interface LockedRow {
  tenant_id: bigint;
  status: string;
  version: number;
  due_at: Date;
  send_at: Date;
  expires_after_seconds: number | null;
  now: Date;
}

interface ClaimedRow {
  attempts: number;
  attempts_at_arm: number;
  message_id: string;
  send_at: Date;
  from_address: string;
  reply_to: string[] | null;
  subject: string;
  text_body: string | null;
  html_body: string | null;
  headers: Record<string, string>;
}

/**
 * Step 1 of delivery, in the caller's transaction: decide whether this job may send this email now and,
 * if so, take it. Every duplicate, stale, early or late job ends here without touching SMTP.
 */
export async function claimForDelivery(tx: Db, request: ClaimRequest): Promise<ClaimResult> {
  const { emailId, version } = request;
  // Lock the email row: cancels, edits and other deliverers of this email wait until our claim commits.
  const locked = await tx.$queryRaw<LockedRow[]>`
    SELECT tenant_id, status::text AS status, version, due_at, send_at, expires_after_seconds, now() AS now
    FROM scheduled_email WHERE id = ${emailId} FOR UPDATE`;
  const row = locked[0];
  if (!row) return { kind: 'skipped', reason: 'missing' };
  if (row.tenant_id !== request.tenantId) return { kind: 'skipped', reason: 'wrong_tenant' };
  if (row.version !== version) return { kind: 'skipped', reason: 'stale_version', status: row.status };
  if (row.status !== 'scheduled') return { kind: 'skipped', reason: 'not_scheduled', status: row.status };
  if (row.due_at > row.now) return { kind: 'not_due', dueAt: row.due_at };

  const lateMs = row.now.getTime() - row.send_at.getTime();
  if (row.expires_after_seconds !== null && lateMs > row.expires_after_seconds * 1000) {
    // Still under our row lock, so the status and version we checked above cannot have moved.
    const expired = await tx.$executeRaw`
      UPDATE scheduled_email
      SET status = 'failed', failure_reason = 'expired', lease_until = NULL, updated_at = now(),
          last_error = ${`not sent: ${Math.round(lateMs / 1000)}s late, past expiresAfter`}
      WHERE id = ${emailId} AND status = 'scheduled' AND version = ${version}`;
    if (expired !== 1) throw new Error(`email ${emailId}: expiry lost its row lock`);
    return { kind: 'expired' };
  }

  // The claim itself: scheduled → sending at this version, with a lease and the next attempt number.
  // The attempt number is the fence every later write of this send must match.
  const claimed = await tx.$queryRaw<ClaimedRow[]>`
    UPDATE scheduled_email
    SET status = 'sending', attempts = attempts + 1, updated_at = now(),
        lease_until = now() + make_interval(secs => ${request.leaseSeconds}),
        message_id = coalesce(message_id, ${request.messageId})
    WHERE id = ${emailId} AND status = 'scheduled' AND version = ${version}
    RETURNING attempts, attempts_at_arm, message_id, send_at, from_address, reply_to, subject, text_body, html_body, headers`;
  const email = claimed[0];
  if (!email) throw new Error(`email ${emailId}: claim lost its row lock`);

  await tx.deliveryAttempt.create({
    data: { emailId, attempt: email.attempts, workerId: request.workerId },
  });
  // Read under the email row lock, so recipient edits (which take that lock first) cannot interleave.
  const recipients = await tx.recipient.findMany({
    where: { emailId, status: 'pending' },
    orderBy: { id: 'asc' },
    select: { id: true, address: true, name: true, kind: true },
  });
  return {
    kind: 'claimed',
    email: {
      emailId,
      attempt: email.attempts,
      attemptsSinceArm: email.attempts - email.attempts_at_arm,
      messageId: email.message_id,
      sendAt: email.send_at,
      from: email.from_address,
      replyTo: email.reply_to ?? [],
      subject: email.subject,
      text: email.text_body,
      html: email.html_body,
      headers: email.headers,
      recipients,
    },
  };
}
