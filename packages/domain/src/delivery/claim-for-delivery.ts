import type { Db } from '@postdate/db';
import type { RecipientKind } from '../emails/recipient-list';

/** What every claim of one worker shares. */
export interface ClaimSettings {
  workerId: string;
  leaseSeconds: number;
}

export interface ClaimRequest {
  emailId: bigint;
  tenantId: bigint;
  version: number;
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
  id: bigint;
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

interface RecipientRow {
  id: bigint;
  email_id: bigint;
  address: string;
  name: string | null;
  kind: RecipientKind;
}

interface RowState {
  tenant_id: bigint;
  status: string;
  version: number;
  due_at: Date;
  now: Date;
}

/**
 * Step 1 of delivery: decide whether these jobs may send their emails now and, if so, take them. Every
 * duplicate, stale, early or late job ends here without touching SMTP.
 *
 * The common case is two statements for the whole batch. The claim locks each row; if a cancel, an edit
 * or another deliverer holds it, it waits, then re-checks every condition against the row as that
 * transaction left it (READ COMMITTED re-evaluation). Only requests that claimed nothing take a further
 * statement to find out why. Answers in request order; each email id must appear at most once.
 */
export async function claimForDelivery(db: Db, settings: ClaimSettings, requests: ClaimRequest[]): Promise<ClaimResult[]> {
  // The claim: scheduled → sending at this version, due and not expired, with a lease and the next attempt
  // number (the fence every later write of this send must match), and the attempt logged, atomically.
  // Row locks are taken in id order (ORDER BY under FOR UPDATE), the same order in every batch of every
  // worker, so two batches that share emails wait for each other instead of deadlocking.
  const claimed = await db.$queryRaw<ClaimedRow[]>`
    WITH request AS (
      SELECT * FROM unnest(${requests.map((r) => r.emailId)}::bigint[], ${requests.map((r) => r.tenantId)}::bigint[],
                           ${requests.map((r) => r.version)}::int[], ${requests.map((r) => r.messageId)}::text[])
        AS r(id, tenant_id, version, message_id)
    ), locked AS (
      SELECT e.id, r.message_id FROM scheduled_email e JOIN request r ON r.id = e.id
      WHERE e.tenant_id = r.tenant_id AND e.status = 'scheduled' AND e.version = r.version AND e.due_at <= now()
        AND (e.expires_after_seconds IS NULL OR now() - e.send_at <= make_interval(secs => e.expires_after_seconds))
      ORDER BY e.id
      FOR UPDATE OF e
    ), claimed AS (
      UPDATE scheduled_email e
      SET status = 'sending', attempts = e.attempts + 1, updated_at = now(),
          lease_until = now() + make_interval(secs => ${settings.leaseSeconds}),
          message_id = coalesce(e.message_id, l.message_id)
      FROM locked l WHERE e.id = l.id
      RETURNING e.id, e.attempts, e.attempts_at_arm, e.message_id, e.send_at, e.from_address, e.reply_to, e.subject,
                e.text_body, e.html_body, e.headers
    ), logged AS (
      INSERT INTO delivery_attempt (email_id, attempt, worker_id) SELECT id, attempts, ${settings.workerId} FROM claimed
    )
    SELECT * FROM claimed`;

  // Read after the claim committed: recipient edits need the row `scheduled`, so none can follow the claim,
  // and every edit that preceded it is visible to this newer snapshot.
  const recipients =
    claimed.length === 0
      ? []
      : await db.$queryRaw<RecipientRow[]>`
          SELECT id, email_id, address, name, kind::text AS kind FROM recipient
          WHERE email_id = ANY(${claimed.map((row) => row.id)}::bigint[]) AND status = 'pending' ORDER BY email_id, id`;
  const recipientsOf = new Map<bigint, ClaimedEmail['recipients']>();
  for (const { email_id, ...recipient } of recipients) {
    const list = recipientsOf.get(email_id) ?? [];
    list.push(recipient);
    recipientsOf.set(email_id, list);
  }
  const claimedById = new Map(claimed.map((row) => [row.id, row]));

  return Promise.all(
    requests.map(async (request): Promise<ClaimResult> => {
      const email = claimedById.get(request.emailId);
      if (!email) return whyNotClaimed(db, request);
      return {
        kind: 'claimed',
        email: {
          emailId: email.id,
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
          recipients: recipientsOf.get(email.id) ?? [],
        },
      };
    }),
  );
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
