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

interface RowState {
  tenant_id: bigint;
  status: string;
  version: number;
  due_at: Date;
  now: Date;
}

/**
 * Step 1 of delivery: decide whether this job may send this email now and, if so, take it. Every
 * duplicate, stale, early or late job ends here without touching SMTP.
 *
 * The common case is one statement. Its UPDATE locks the row; if a cancel, an edit or another deliverer
 * holds the lock, it waits, then re-checks every condition against the row as that transaction left it
 * (READ COMMITTED re-evaluation) — the same guarantee as SELECT … FOR UPDATE followed by an UPDATE, in one
 * round trip. Only when nothing was claimed does a second statement find out why.
 */
export async function claimForDelivery(db: Db, request: ClaimRequest): Promise<ClaimResult> {
  const { emailId, tenantId, version } = request;
  // The claim: scheduled → sending at this version, due and not expired, with a lease and the next attempt
  // number (the fence every later write of this send must match), and the attempt logged, atomically.
  const claimed = await db.$queryRaw<ClaimedRow[]>`
    WITH claimed AS (
      UPDATE scheduled_email
      SET status = 'sending', attempts = attempts + 1, updated_at = now(),
          lease_until = now() + make_interval(secs => ${request.leaseSeconds}),
          message_id = coalesce(message_id, ${request.messageId})
      WHERE id = ${emailId} AND tenant_id = ${tenantId} AND status = 'scheduled' AND version = ${version}
        AND due_at <= now()
        AND (expires_after_seconds IS NULL OR now() - send_at <= make_interval(secs => expires_after_seconds))
      RETURNING id, attempts, attempts_at_arm, message_id, send_at, from_address, reply_to, subject,
                text_body, html_body, headers
    ), logged AS (
      INSERT INTO delivery_attempt (email_id, attempt, worker_id) SELECT id, attempts, ${request.workerId} FROM claimed
    )
    SELECT attempts, attempts_at_arm, message_id, send_at, from_address, reply_to, subject, text_body, html_body, headers
    FROM claimed`;
  const email = claimed[0];
  if (!email) return whyNotClaimed(db, request);

  // Read after the claim committed: recipient edits need the row `scheduled`, so none can follow the claim,
  // and every edit that preceded it is visible to this newer snapshot.
  const recipients = await db.$queryRaw<ClaimedEmail['recipients']>`
    SELECT id, address, name, kind::text AS kind FROM recipient
    WHERE email_id = ${emailId} AND status = 'pending' ORDER BY id`;
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

/** The rare path: nothing was claimed. Expire the email if that is why, else say what the job ran into. */
async function whyNotClaimed(db: Db, request: ClaimRequest): Promise<ClaimResult> {
  const { emailId, tenantId, version } = request;
  // Same conditions as the claim but past expiresAfter: fail it instead of sending it late. The row lock
  // and the status/version guard make this safe against a concurrent claim or edit.
  const expired = await db.$executeRaw`
    UPDATE scheduled_email
    SET status = 'failed', failure_reason = 'expired', lease_until = NULL, updated_at = now(),
        last_error = 'not sent: later than expiresAfter allows'
    WHERE id = ${emailId} AND tenant_id = ${tenantId} AND status = 'scheduled' AND version = ${version}
      AND due_at <= now() AND now() - send_at > make_interval(secs => expires_after_seconds)`;
  if (expired === 1) return { kind: 'expired' };

  const [row] = await db.$queryRaw<RowState[]>`
    SELECT tenant_id, status::text AS status, version, due_at, now() AS now FROM scheduled_email WHERE id = ${emailId}`;
  if (!row) return { kind: 'skipped', reason: 'missing' };
  if (row.tenant_id !== tenantId) return { kind: 'skipped', reason: 'wrong_tenant' };
  if (row.version !== version) return { kind: 'skipped', reason: 'stale_version', status: row.status };
  if (row.status !== 'scheduled') return { kind: 'skipped', reason: 'not_scheduled', status: row.status };
  if (row.due_at > row.now) return { kind: 'not_due', dueAt: row.due_at };
  // Scheduled, due, this version, not expired, yet not claimed: it changed between our statements.
  // Report it as not due now; the job is delayed briefly and tries again.
  return { kind: 'not_due', dueAt: new Date(row.now.getTime() + 1000) };
}
