import type { DatabaseClient, Db } from '@postdate/db';
import { MailSendError, messageIdFor, type MailTransport, type RecipientRefusal, type SendResult } from '@postdate/mail';
import type { SenderDomains } from '../domains/sender-domains';
import { addressKey } from '../emails/parse-address';
import { checkSender } from './check-sender';
import type { ClaimedEmail } from './claim-for-delivery';
import { retryDelaySeconds, type DeliveryPolicy } from './delivery-policy';
import type { DeliveryStatements } from './delivery-statements';
import type { EnqueueDeliveries } from './delivery-target';
import { keepLease, type LeaseEvent } from './keep-lease';
import { markFailed, type FailureReason } from './mark-failed';
import { outgoingMessage } from './outgoing-message';
import type { RecipientResult } from './record-recipient-results';
import { startLeaseClock, type LeaseClock } from './lease-clock';
import { recordWithRetry, type RecordRetry } from './record-with-retry';
import { renewLease } from './renew-lease';
import { scheduleRetry } from './schedule-retry';
import type { SqlClock } from './sql-clock';

export interface DeliveryJob {
  emailId: string;
  tenantId: string;
  version: number;
}

export interface DeliveryContext {
  db: DatabaseClient & Db;
  /** Claims and sent-records, batched across this worker's concurrent deliveries. */
  statements: DeliveryStatements;
  transport: MailTransport;
  enqueue: EnqueueDeliveries;
  policy: DeliveryPolicy;
  mailDomain: string;
  horizonSeconds: number;
  /** Which From each tenant may use (checked again right after the claim) and the keys to sign with. */
  senderDomains?: SenderDomains;
  /**
   * Told the relay throttled us (421/451/454 naming a rate or concurrency limit); answers how long, in ms,
   * sending should pause — the worker keeps the growing pause shared by every process. Default 1 s.
   */
  relayThrottled?: () => Promise<number>;
  /**
   * Waits for this send's slot under a rate shared by every worker (SMTP_MAX_PER_SECOND), right before the
   * SMTP conversation: timed any earlier (at the fetch, before the claim), whatever ran in between would
   * bunch sends that were spaced evenly. Jobs are fetched at the same rate, so the wait is short; one that is
   * not is cut at a third of the lease (see paceWithinLease below).
   */
  paceSend?: () => Promise<void>;
  /** Told what each lease renewal during a slow send came to (for metrics and logs). */
  onLeaseEvent?: (email: { emailId: bigint; attempt: number }, event: LeaseEvent) => void;
  /** What "now" is for the lease and retry times this delivery writes; the database's clock unless a test controls it. */
  clock?: SqlClock;
}

export type DeliveryOutcome =
  | { outcome: 'sent'; attempt: number; sendAt: Date; sentAt: Date; smtpMs: number }
  | { outcome: 'skipped'; reason: string; status?: string }
  | { outcome: 'not_due'; delayMs: number }
  | { outcome: 'expired' }
  | { outcome: 'failed'; reason: FailureReason; attempt: number; error: string; smtpMs: number }
  | { outcome: 'retry_scheduled'; attempt: number; delaySeconds: number; error: string; smtpMs: number; enqueueError?: string }
  /** The relay asked us to slow down: the email waits `pauseMs` (its attempt not counted), and so should all sending. */
  | { outcome: 'throttled'; attempt: number; pauseMs: number; error: string; smtpMs: number; enqueueError?: string }
  /** The email was taken back; `sent`: after the relay accepted it (a copy went out), or before any send. */
  | { outcome: 'lost_claim'; attempt: number; smtpMs: number; sent: boolean };

/**
 * The whole protocol for one job: claim (transaction 1), send with no transaction or connection held
 * (the lease renewed first if less than two thirds of it is left, and meanwhile if the send is slow), then
 * record the result fenced on the attempt number (transaction 2). Read the steps' files for why each write
 * cannot double-send.
 */
export async function deliverEmail(ctx: DeliveryContext, job: DeliveryJob): Promise<DeliveryOutcome> {
  const emailId = BigInt(job.emailId);
  const lease = startLeaseClock(ctx.policy.leaseSeconds);
  const claim = await ctx.statements.claim({
    emailId,
    tenantId: BigInt(job.tenantId),
    version: job.version,
    messageId: messageIdFor(job.emailId, ctx.mailDomain),
  });
  if (claim.kind === 'skipped') return { outcome: 'skipped', reason: claim.reason, ...(claim.status ? { status: claim.status } : {}) };
  if (claim.kind === 'not_due') return { outcome: 'not_due', delayMs: claim.delayMs };
  if (claim.kind === 'expired') return { outcome: 'expired' };

  const email = claim.email;
  const retry = recordRetry(ctx.policy, lease);
  // The sender, checked again now that the email is ours: a domain deleted or lapsed since scheduling fails it.
  const sender = await recordWithRetry(() => checkSender(ctx.statements.senderDomain, ctx.senderDomains, BigInt(job.tenantId), email.from), retry);
  if (sender.kind === 'refused') return failUnsent(ctx, email, 'domain_unverified', sender.error, retry);
  if (sender.kind === 'key_unavailable') return recordFailure(ctx, email, new MailSendError(sender.error, 'transient'), 0, retry);
  if (email.recipients.length === 0) {
    // Nobody left to send to: every pending recipient suppressed (marked so by the claim), or none pending.
    const reason = email.suppressed.length > 0 ? 'suppressed' : 'no_recipients';
    const error = reason === 'suppressed' ? `every recipient is suppressed: ${email.suppressed.join(', ').slice(0, 900)}` : 'no recipients left to send to';
    return failUnsent(ctx, email, reason, error, retry);
  }
  const renew = async () => {
    const askedAt = performance.now();
    const stillMine = await renewLease(ctx.db, email, ctx.policy.leaseSeconds, ctx.clock);
    if (stillMine) lease.renewed(askedAt);
    return stillMine;
  };
  // Before the pacer's wait (so the slot is not spent on a renewal) and, if that wait was long, after it.
  const leaseAhead = () => leaseAheadOfSend(ctx.policy, lease, renew, retry);
  if (!(await leaseAhead())) return { outcome: 'lost_claim', attempt: email.attempt, smtpMs: 0, sent: false };
  await paceWithinLease(ctx);
  if (!(await leaseAhead())) return { outcome: 'lost_claim', attempt: email.attempt, smtpMs: 0, sent: false };
  const started = performance.now();
  let result: SendResult;
  try {
    result = await keepLease(
      renew,
      ctx.policy,
      () => ctx.transport.send(outgoingMessage(email, sender.dkim)),
      (event) => ctx.onLeaseEvent?.(email, event),
    );
  } catch (error) {
    const smtpMs = performance.now() - started;
    return recordFailure(ctx, email, error, smtpMs, retry);
  }
  const smtpMs = performance.now() - started;

  const fenced = await recordWithRetry(
    () => ctx.statements.markSent({ emailId, attempt: email.attempt, response: result.response, recipients: recipientResults(email, result) }),
    retry,
  );
  if (!fenced) return { outcome: 'lost_claim', attempt: email.attempt, smtpMs, sent: true };
  return { outcome: 'sent', attempt: email.attempt, sendAt: email.sendAt, sentAt: new Date(), smtpMs };
}

/**
 * Waits for the send's slot (SMTP_MAX_PER_SECOND) while the claim's lease runs unrenewed. A wait longer than
 * a third of the lease (a stalled pacer, Redis away) is cut short; leaseAheadOfSend then renews the lease
 * before anything is sent. A pacer that fails lets the send go: the rate is a courtesy to the relay, whose
 * throttling replies still slow us down, and failing the email over it would spend its attempt.
 */
async function paceWithinLease(ctx: DeliveryContext): Promise<void> {
  if (!ctx.paceSend) return;
  let timer: NodeJS.Timeout | undefined;
  const cut = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, (ctx.policy.leaseSeconds * 1000) / 3);
  });
  await Promise.race([ctx.paceSend().catch(() => undefined), cut]);
  clearTimeout(timer);
}

/**
 * A send starts only with most of its lease ahead of it. What came before (a claim batch waiting for a
 * connection, the sender check retried through dropped connections, the pacer's wait) may have used up
 * much of it, and keepLease renews only a third of the lease into the send: a send begun on a nearly spent
 * lease could outlive it, or leave its sent-record no time to land, and the sweeper would send it again.
 * So with less than two thirds left, the lease is renewed first, fenced, and retried through an outage like
 * a record: false if the email was taken back meanwhile, and then it is not ours to send. Nearly every
 * delivery gets here within milliseconds of its claim and pays nothing.
 */
async function leaseAheadOfSend(policy: DeliveryPolicy, lease: LeaseClock, renew: () => Promise<boolean>, retry: RecordRetry): Promise<boolean> {
  if (lease.expiresAt - performance.now() >= (policy.leaseSeconds * 1000 * 2) / 3) return true;
  return recordWithRetry(renew, retry);
}

/** Ends an email that is not to be sent at all (no SMTP conversation), fenced like every record. */
async function failUnsent(ctx: DeliveryContext, email: ClaimedEmail, reason: FailureReason, error: string, retry: RecordRetry): Promise<DeliveryOutcome> {
  const fenced = await recordWithRetry(() => markFailed(ctx.db, { emailId: email.emailId, attempt: email.attempt, reason, error }), retry);
  if (!fenced) return { outcome: 'lost_claim', attempt: email.attempt, smtpMs: 0, sent: false };
  return { outcome: 'failed', reason, attempt: email.attempt, error, smtpMs: 0 };
}

/**
 * How long a record is retried through a database outage: until shortly before the lease runs out (a tenth
 * of it, between 1 and 10 s), after which the sweeper may take the email back.
 */
function recordRetry(policy: DeliveryPolicy, lease: LeaseClock): RecordRetry {
  return { lease, marginMs: Math.min(10_000, Math.max(1_000, policy.leaseSeconds * 100)) };
}

async function recordFailure(
  ctx: DeliveryContext,
  email: ClaimedEmail,
  error: unknown,
  smtpMs: number,
  retry: RecordRetry,
): Promise<DeliveryOutcome> {
  const failure = error instanceof MailSendError ? error : new MailSendError(String(error), 'transient');
  const { emailId, attempt } = email;
  const message = failure.responseCode ? `${failure.responseCode} ${failure.message}` : failure.message;

  if (failure.kind === 'throttled') return recordThrottled(ctx, email, message, smtpMs, retry);
  if (failure.kind === 'permanent' || email.attemptsSinceArm >= ctx.policy.maxAttempts) {
    const reason = failure.kind === 'permanent' ? 'smtp_rejected' : 'retries_exhausted';
    // A refusal of the whole message at DATA names no recipient; with a single one, it is that one's.
    const only = email.recipients.length === 1 ? email.recipients[0] : undefined;
    const attributed = failure.kind === 'permanent' && failure.rejected.length === 0 && only ? [{ address: only.address, response: message, permanent: true }] : failure.rejected;
    const refusalOf = refusals(attributed);
    const recipients: RecipientResult[] = email.recipients.flatMap((r) => {
      const refused = refusalOf(r.address);
      return refused ? [rejectedResult(r.id, r.address, refused)] : [];
    });
    const fenced = await recordWithRetry(() => markFailed(ctx.db, { emailId, attempt, reason, error: message, recipients }), retry);
    if (!fenced) return { outcome: 'lost_claim', attempt, smtpMs, sent: false };
    return { outcome: 'failed', reason, attempt, error: message, smtpMs };
  }

  const delaySeconds = retryDelaySeconds(ctx.policy, attempt);
  const rescheduled = await recordWithRetry(
    () => scheduleRetry(ctx.db, { emailId, attempt, delaySeconds, error: message, horizonSeconds: ctx.horizonSeconds }, ctx.clock),
    retry,
  );
  if (!rescheduled.fenced) return { outcome: 'lost_claim', attempt, smtpMs, sent: false };
  const outcome = { outcome: 'retry_scheduled' as const, attempt, delaySeconds, error: message, smtpMs };
  // After commit; if Redis refuses, the row stays scheduled and the sweeper's overdue scan re-adds it.
  try {
    if (rescheduled.enqueue) await ctx.enqueue([rescheduled.enqueue]);
    return outcome;
  } catch (enqueueError) {
    return { ...outcome, enqueueError: String(enqueueError) };
  }
}

/**
 * The relay throttled us: the email goes back to the front of the line after a short pause, its attempt not
 * held against its retry cap (a burst must not burn retry budgets), rather than to a 30 s+ backoff.
 */
async function recordThrottled(ctx: DeliveryContext, email: ClaimedEmail, error: string, smtpMs: number, retry: RecordRetry): Promise<DeliveryOutcome> {
  const pauseMs = (await ctx.relayThrottled?.()) ?? 1_000;
  const { emailId, attempt } = email;
  const rescheduled = await recordWithRetry(
    () => scheduleRetry(ctx.db, { emailId, attempt, delaySeconds: pauseMs / 1000, error, horizonSeconds: ctx.horizonSeconds, throttled: true }, ctx.clock),
    retry,
  );
  if (!rescheduled.fenced) return { outcome: 'lost_claim', attempt, smtpMs, sent: false };
  const outcome = { outcome: 'throttled' as const, attempt, pauseMs, error, smtpMs };
  try {
    if (rescheduled.enqueue) await ctx.enqueue([{ ...rescheduled.enqueue, frontOfLine: true }]);
    return outcome;
  } catch (enqueueError) {
    return { ...outcome, enqueueError: String(enqueueError) };
  }
}

/** The relay's refusal of an address, matched by its key whatever case the relay echoed; undefined when not refused. */
function refusals(rejected: SendResult['rejected']): (address: string) => RecipientRefusal | undefined {
  const byKey = new Map(rejected.map((r) => [addressKey(r.address), r]));
  return (address) => byKey.get(addressKey(address));
}

const rejectedResult = (id: bigint, address: string, refused: RecipientRefusal): RecipientResult => ({
  id,
  address,
  status: 'rejected',
  response: refused.response,
  refusal: refused.permanent ? 'permanent' : 'transient',
});

function recipientResults(email: ClaimedEmail, result: SendResult): RecipientResult[] {
  const refusalOf = refusals(result.rejected);
  return email.recipients.map((r) => {
    const refused = refusalOf(r.address);
    return refused ? rejectedResult(r.id, r.address, refused) : { id: r.id, address: r.address, status: 'sent', response: result.response, refusal: null };
  });
}
