import { inTransaction, type Db } from '@postdate/db';
import { recordEvents } from '../events/record-events';
import { markSuppressed } from './mark-suppressed';
import { databaseClock, type SqlClock } from './sql-clock';
import type { RecipientKind } from '../emails/recipient-list';

/** What every claim of one worker shares. */
export interface ClaimSettings {
  workerId: string;
  leaseSeconds: number;
  /** What "now" is for due times, expiry and the lease; the database's clock unless a test controls it. */
  clock?: SqlClock;
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
  /** Recipients skipped because their address is suppressed (now marked so, with their events). */
  suppressed: string[];
}

export type ClaimResult =
  | { kind: 'claimed'; email: ClaimedEmail }
  | { kind: 'skipped'; reason: 'missing' | 'wrong_tenant' | 'stale_version' | 'not_scheduled'; status?: string }
  /** Not due yet: try again in `delayMs`, a span the database measured (workers' clocks may be off). */
  | { kind: 'not_due'; delayMs: number }
  | { kind: 'expired' };

interface ClaimedRow {
  id: bigint;
  recipients: { id: string; address: string; name: string | null; kind: RecipientKind; suppressed: boolean }[];
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
  /** How far ahead due_at is by the database's clock, in ms; 0 when due. */
  due_in_ms: number;
}

/**
 * Step 1 of delivery: decide whether these jobs may send their emails now and, if so, take them. Every
 * duplicate, stale, early or late job ends here without touching SMTP.
 *
 * The common case is one statement for the whole batch, in its own transaction: every email claimed with
 * the recipients it is to be sent to. The claim locks each row; if a cancel, an edit or another deliverer
 * holds it, it waits, then re-checks every condition against the row as that transaction left it (READ
 * COMMITTED re-evaluation). Only requests that claimed nothing take a further statement to find out why.
 * Answers in request order; each email id must appear at most once.
 */
export function claimForDelivery(db: Db, settings: ClaimSettings, requests: ClaimRequest[]): Promise<ClaimResult[]> {
  const clock = settings.clock ?? databaseClock;
  return inTransaction(db, async (tx) => {
    const now = clock.now();
    // The claim: scheduled → sending at this version, due and not expired, with a lease and the next attempt
    // number (the fence every later write of this send must match), and the attempt logged, atomically.
    // Row locks are taken in id order (ORDER BY under FOR UPDATE), the same order in every batch of every
    // worker, so two batches that share emails wait for each other instead of deadlocking.
    const claimed = await tx.$queryRaw<ClaimedRow[]>`
      WITH request AS (
        SELECT * FROM unnest(${requests.map((r) => r.emailId)}::bigint[], ${requests.map((r) => r.tenantId)}::bigint[],
                             ${requests.map((r) => r.version)}::int[], ${requests.map((r) => r.messageId)}::text[])
          AS r(id, tenant_id, version, message_id)
      ), locked AS (
        SELECT e.id, r.message_id FROM scheduled_email e JOIN request r ON r.id = e.id
        WHERE e.tenant_id = r.tenant_id AND e.status = 'scheduled' AND e.version = r.version AND e.due_at <= ${now}
          AND (e.expires_after_seconds IS NULL OR ${now} - e.send_at <= make_interval(secs => e.expires_after_seconds))
        ORDER BY e.id
        FOR UPDATE OF e
      ), claimed AS (
        UPDATE scheduled_email e
        SET status = 'sending', attempts = e.attempts + 1, updated_at = now(),
            lease_until = ${now} + make_interval(secs => ${settings.leaseSeconds}),
            message_id = coalesce(e.message_id, l.message_id)
        FROM locked l WHERE e.id = l.id
        RETURNING e.id, e.attempts, e.attempts_at_arm, e.message_id, e.send_at, e.from_address, e.reply_to, e.subject,
                  e.text_body, e.html_body, e.headers
      ), logged AS (
        INSERT INTO delivery_attempt (email_id, attempt, worker_id) SELECT id, attempts, ${settings.workerId} FROM claimed
      ), pending AS (
        -- The claimed emails' recipients still to send to, share-locked after their email (the one lock
        -- order): a removal that committed while the claim waited for its email's lock is re-read and seen.
        -- Recipient edits need the email 'scheduled' and locked, so none can follow the claim. Each says
        -- whether its address is on the tenant's suppression list now: checked here, not only at create.
        SELECT rc.id, rc.email_id, rc.address, rc.name, rc.kind,
               EXISTS (SELECT 1 FROM suppression s WHERE s.tenant_id = r.tenant_id AND lower(s.address) = lower(rc.address)
                         AND (s.expires_at IS NULL OR s.expires_at > now())) AS suppressed
        FROM recipient rc JOIN request r ON r.id = rc.email_id
        WHERE rc.email_id IN (SELECT id FROM locked) AND rc.status = 'pending'
        ORDER BY rc.email_id, rc.id
        FOR SHARE OF rc
      )
      SELECT c.*,
        coalesce((SELECT json_agg(json_build_object('id', p.id::text, 'address', p.address, 'name', p.name, 'kind', p.kind, 'suppressed', p.suppressed) ORDER BY p.id)
                  FROM pending p WHERE p.email_id = c.id), '[]'::json) AS recipients
      FROM claimed c`;
    await markSuppressed(tx, claimed.flatMap((row) => row.recipients.filter((r) => r.suppressed).map((r) => ({ id: BigInt(r.id), emailId: row.id, address: r.address }))));
    const claimedById = new Map(claimed.map((row) => [row.id, row]));

    return Promise.all(
      requests.map(async (request): Promise<ClaimResult> => {
        const email = claimedById.get(request.emailId);
        if (!email) return whyNotClaimed(tx, request, clock);
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
            recipients: email.recipients.filter((r) => !r.suppressed).map(({ suppressed: _suppressed, ...r }) => ({ ...r, id: BigInt(r.id) })),
            suppressed: email.recipients.filter((r) => r.suppressed).map((r) => r.address),
          },
        };
      }),
    );
  });
}

/** The rare path: nothing was claimed. Expire the email if that is why, else say what the job ran into. */
async function whyNotClaimed(db: Db, request: ClaimRequest, clock: SqlClock): Promise<ClaimResult> {
  const { emailId, tenantId, version } = request;
  const expiredAt = clock.now();
  // Same conditions as the claim but past expiresAfter: fail it instead of sending it late. The row lock
  // and the status/version guard make this safe against a concurrent claim or edit.
  const expired = await db.$executeRaw`
    UPDATE scheduled_email
    SET status = 'failed', failure_reason = 'expired', lease_until = NULL, updated_at = now(),
        last_error = 'not sent: later than expiresAfter allows'
    WHERE id = ${emailId} AND tenant_id = ${tenantId} AND status = 'scheduled' AND version = ${version}
      AND due_at <= ${expiredAt} AND ${expiredAt} - send_at > make_interval(secs => expires_after_seconds)`;
  if (expired === 1) {
    await recordEvents(db, [{ emailId, type: 'email.failed', data: { status: 'failed', reason: 'expired', attempt: null, error: 'not sent: later than expiresAfter allows' } }]);
    return { kind: 'expired' };
  }

  const [row] = await db.$queryRaw<RowState[]>`
    SELECT tenant_id, status::text AS status, version,
           greatest(0, extract(epoch FROM due_at - ${clock.now()}) * 1000)::float8 AS due_in_ms
    FROM scheduled_email WHERE id = ${emailId}`;
  if (!row) return { kind: 'skipped', reason: 'missing' };
  if (row.tenant_id !== tenantId) return { kind: 'skipped', reason: 'wrong_tenant' };
  if (row.version !== version) return { kind: 'skipped', reason: 'stale_version', status: row.status };
  if (row.status !== 'scheduled') return { kind: 'skipped', reason: 'not_scheduled', status: row.status };
  // A span, not the instant: the job waits in Redis by the worker's clock, which may disagree with ours.
  if (row.due_in_ms > 0) return { kind: 'not_due', delayMs: Math.ceil(row.due_in_ms) };
  // Scheduled, due, this version, not expired, yet not claimed: it changed between our statements.
  // Report it as not due now; the job is delayed briefly and tries again.
  return { kind: 'not_due', delayMs: 1000 };
}
