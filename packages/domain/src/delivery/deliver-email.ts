import { inTransaction, type DatabaseClient, type Db } from '@postdate/db';
import { MailSendError, messageIdFor, type MailTransport, type SendResult } from '@postdate/mail';
import { addressKey } from '../emails/parse-address';
import type { ClaimedEmail } from './claim-for-delivery';
import { retryDelaySeconds, type DeliveryPolicy } from './delivery-policy';
import type { DeliveryStatements } from './delivery-statements';
import type { EnqueueDeliveries } from './delivery-target';
import { keepLease, type LeaseEvent } from './keep-lease';
import { markFailed, type FailureReason } from './mark-failed';
import type { RecipientResult } from './record-recipient-results';
import { recordWithRetry } from './record-with-retry';
import { renewLease } from './renew-lease';
import { scheduleRetry } from './schedule-retry';

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
  /** Told what each lease renewal during a slow send came to (for metrics and logs). */
  onLeaseEvent?: (email: { emailId: bigint; attempt: number }, event: LeaseEvent) => void;
}

export type DeliveryOutcome =
  | { outcome: 'sent'; attempt: number; sendAt: Date; sentAt: Date; smtpMs: number }
  | { outcome: 'skipped'; reason: string; status?: string }
  | { outcome: 'not_due'; dueAt: Date }
  | { outcome: 'expired' }
  | { outcome: 'failed'; reason: FailureReason; attempt: number; error: string; smtpMs: number }
  | { outcome: 'retry_scheduled'; attempt: number; delaySeconds: number; error: string; smtpMs: number; enqueueError?: string }
  | { outcome: 'lost_claim'; attempt: number; smtpMs: number };

/**
 * The whole protocol for one job: claim (transaction 1), send with no transaction or connection held
 * (the lease renewed meanwhile if the send is slow), then record the result fenced on the attempt number
 * (transaction 2). Read the steps' files for why each write cannot double-send.
 */
export async function deliverEmail(ctx: DeliveryContext, job: DeliveryJob): Promise<DeliveryOutcome> {
  const emailId = BigInt(job.emailId);
  const claim = await ctx.statements.claim({
    emailId,
    tenantId: BigInt(job.tenantId),
    version: job.version,
    messageId: messageIdFor(job.emailId, ctx.mailDomain),
  });
  if (claim.kind === 'skipped') return { outcome: 'skipped', reason: claim.reason, ...(claim.status ? { status: claim.status } : {}) };
  if (claim.kind === 'not_due') return { outcome: 'not_due', dueAt: claim.dueAt };
  if (claim.kind === 'expired') return { outcome: 'expired' };

  const email = claim.email;
  if (email.recipients.length === 0) {
    const error = 'no recipients left to send to';
    await inTransaction(ctx.db, (tx) => markFailed(tx, { emailId, attempt: email.attempt, reason: 'no_recipients', error }));
    return { outcome: 'failed', reason: 'no_recipients', attempt: email.attempt, error, smtpMs: 0 };
  }
  const started = performance.now();
  let result: SendResult;
  try {
    result = await keepLease(
      () => renewLease(ctx.db, email, ctx.policy.leaseSeconds),
      ctx.policy,
      () => ctx.transport.send(toOutgoing(email)),
      (event) => ctx.onLeaseEvent?.(email, event),
    );
  } catch (error) {
    const smtpMs = performance.now() - started;
    return recordFailure(ctx, email, error, smtpMs);
  }
  const smtpMs = performance.now() - started;

  const fenced = await recordWithRetry(() =>
    ctx.statements.markSent({ emailId, attempt: email.attempt, response: result.response, recipients: recipientResults(email, result) }),
  );
  if (!fenced) return { outcome: 'lost_claim', attempt: email.attempt, smtpMs };
  return { outcome: 'sent', attempt: email.attempt, sendAt: email.sendAt, sentAt: new Date(), smtpMs };
}

async function recordFailure(
  ctx: DeliveryContext,
  email: ClaimedEmail,
  error: unknown,
  smtpMs: number,
): Promise<DeliveryOutcome> {
  const failure = error instanceof MailSendError ? error : new MailSendError(String(error), 'transient');
  const { emailId, attempt } = email;
  const message = failure.responseCode ? `${failure.responseCode} ${failure.message}` : failure.message;

  if (failure.kind === 'permanent' || email.attemptsSinceArm >= ctx.policy.maxAttempts) {
    const reason = failure.kind === 'permanent' ? 'smtp_rejected' : 'retries_exhausted';
    const refusalOf = refusals(failure.rejected);
    const recipients: RecipientResult[] = email.recipients.flatMap((r) => {
      const response = refusalOf(r.address);
      return response === undefined ? [] : [{ id: r.id, status: 'rejected' as const, response }];
    });
    const fenced = await recordWithRetry(() =>
      inTransaction(ctx.db, (tx) => markFailed(tx, { emailId, attempt, reason, error: message, recipients })),
    );
    if (!fenced) return { outcome: 'lost_claim', attempt, smtpMs };
    return { outcome: 'failed', reason, attempt, error: message, smtpMs };
  }

  const delaySeconds = retryDelaySeconds(ctx.policy, attempt);
  const retry = await recordWithRetry(() =>
    inTransaction(ctx.db, (tx) =>
      scheduleRetry(tx, { emailId, attempt, delaySeconds, error: message, horizonSeconds: ctx.horizonSeconds }),
    ),
  );
  if (!retry.fenced) return { outcome: 'lost_claim', attempt, smtpMs };
  const outcome = { outcome: 'retry_scheduled' as const, attempt, delaySeconds, error: message, smtpMs };
  // After commit; if Redis refuses, the row stays scheduled and the sweeper's overdue scan re-adds it.
  try {
    if (retry.enqueue) await ctx.enqueue([retry.enqueue]);
    return outcome;
  } catch (enqueueError) {
    return { ...outcome, enqueueError: String(enqueueError) };
  }
}

function toOutgoing(email: ClaimedEmail) {
  const pick = (kind: string) =>
    email.recipients.filter((r) => r.kind === kind).map((r) => (r.name ? `"${r.name}" <${r.address}>` : r.address));
  return {
    messageId: email.messageId,
    from: email.from,
    replyTo: email.replyTo,
    to: pick('to'),
    cc: pick('cc'),
    bcc: pick('bcc'),
    subject: email.subject,
    ...(email.text !== null ? { text: email.text } : {}),
    ...(email.html !== null ? { html: email.html } : {}),
    headers: email.headers,
  };
}

/**
 * The relay's refusal of an address, matched by its key whatever case the relay echoed: the response
 * (null if it gave none) when refused, undefined when not.
 */
function refusals(rejected: SendResult['rejected']): (address: string) => string | null | undefined {
  const byKey = new Map(rejected.map((r) => [addressKey(r.address), r.response]));
  return (address) => {
    const key = addressKey(address);
    return byKey.has(key) ? (byKey.get(key) ?? null) : undefined;
  };
}

function recipientResults(email: ClaimedEmail, result: SendResult): RecipientResult[] {
  const refusalOf = refusals(result.rejected);
  return email.recipients.map((r) => {
    const response = refusalOf(r.address);
    return response === undefined ? { id: r.id, status: 'sent', response: result.response } : { id: r.id, status: 'rejected', response };
  });
}
