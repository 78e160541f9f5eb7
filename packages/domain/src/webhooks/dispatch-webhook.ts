import type { WebhookResponse, WebhookSender } from '@postdate/webhook';
import { startLeaseClock } from '../delivery/lease-clock';
import { recordWithRetry } from '../delivery/record-with-retry';
import type { ClaimedWebhook } from './claim-webhooks';
import type { WebhookAttemptOutcome, WebhookRecordRequest } from './record-webhook-attempts';
import { webhookBody } from './webhook-body';
import { retryDelayAfter, type WebhookPolicy } from './webhook-policy';
import type { WebhookStatements } from './webhook-statements';

/** What a webhook job carries (packages/queue's payload, parsed). */
export interface WebhookJob {
  deliveryId: string;
  /** The delivery's creation time, ms since the epoch. */
  createdAt: number;
  attempts: number;
}

export interface WebhookDispatchContext {
  /** Claims and records, batched across this worker's concurrent dispatches. */
  statements: WebhookStatements;
  sender: WebhookSender;
  policy: WebhookPolicy;
}

interface Posted {
  attempt: number;
  endpointId: bigint;
  statusCode: number | null;
  durationMs: number;
}

export type WebhookDispatchOutcome =
  /** `lagMs`: from the event's creation to the receiver's 2xx, by this worker's clock. */
  | ({ outcome: 'delivered'; lagMs: number } & Posted)
  | ({ outcome: 'retry_scheduled' | 'failed'; error: string; retryDelaySeconds: number | null; endpointDisabled: string | null } & Posted)
  | { outcome: 'endpoint_disabled' }
  | { outcome: 'skipped'; reason: string }
  | ({ outcome: 'lost_claim' } & Posted);

/**
 * The whole protocol for one webhook job: claim (a transaction), POST with no transaction or connection
 * held, then record the answer fenced on the attempt number (a second transaction). The POST is bounded by
 * the sender's timeout, well inside the lease, so no lease keeping is needed. Read the steps' files for why
 * each write cannot double-send: the one duplicate possible is a worker dying between the receiver's 2xx
 * and the record's commit, and then the second POST carries the same webhook-id.
 */
export async function dispatchWebhook(ctx: WebhookDispatchContext, job: WebhookJob): Promise<WebhookDispatchOutcome> {
  const lease = startLeaseClock(ctx.policy.leaseSeconds);
  const claim = await ctx.statements.claim({ deliveryId: BigInt(job.deliveryId), createdAt: new Date(job.createdAt), attempts: job.attempts });
  if (claim.kind === 'skipped') return { outcome: 'skipped', reason: claim.reason };
  if (claim.kind === 'endpoint_disabled') return { outcome: 'endpoint_disabled' };

  const webhook = claim.webhook;
  const response = await post(ctx.sender, webhook);
  const answeredAt = Date.now();
  const request = toRecordRequest(ctx.policy, webhook, response);
  const posted: Posted = {
    attempt: webhook.attempt,
    endpointId: webhook.endpointId,
    statusCode: response.kind === 'answered' ? response.statusCode : null,
    durationMs: response.durationMs,
  };
  // Retried through a database outage until shortly before the lease runs out (as an email's record is).
  const marginMs = Math.min(10_000, Math.max(1_000, ctx.policy.leaseSeconds * 100));
  const result = await recordWithRetry(() => ctx.statements.record(request), { lease, marginMs });
  if (!result.fenced) return { outcome: 'lost_claim', ...posted };
  if (request.outcome === 'delivered') return { outcome: 'delivered', lagMs: answeredAt - Date.parse(webhook.event.createdAt), ...posted };
  return {
    outcome: request.outcome === 'retry_scheduled' ? 'retry_scheduled' : 'failed',
    error: request.error ?? `HTTP ${posted.statusCode}`,
    retryDelaySeconds: request.retryDelaySeconds,
    endpointDisabled: result.endpointDisabled,
    ...posted,
  };
}

/** The sender reports every failure as a response; anything it throws regardless is a failed attempt too. */
async function post(sender: WebhookSender, webhook: ClaimedWebhook): Promise<WebhookResponse> {
  const started = performance.now();
  try {
    return await sender.send({ url: webhook.url, id: webhook.event.id, timestamp: new Date(), body: webhookBody(webhook.event), secrets: webhook.secrets });
  } catch (error) {
    return { kind: 'failed', error: `sender error: ${error instanceof Error ? error.message : String(error)}`, durationMs: performance.now() - started };
  }
}

/** 2xx delivers; any other answer, a refusal, a timeout or a connection error is retried by the schedule. */
function toRecordRequest(policy: WebhookPolicy, webhook: ClaimedWebhook, response: WebhookResponse): WebhookRecordRequest {
  const succeeded = response.kind === 'answered' && response.statusCode >= 200 && response.statusCode < 300;
  const retryDelaySeconds = succeeded ? null : retryDelayAfter(policy, webhook.attempt);
  const outcome: WebhookAttemptOutcome = succeeded ? 'delivered' : retryDelaySeconds === null ? 'retries_exhausted' : 'retry_scheduled';
  return {
    deliveryId: webhook.deliveryId,
    attempt: webhook.attempt,
    outcome,
    retryDelaySeconds,
    statusCode: response.kind === 'answered' ? response.statusCode : null,
    responseBody: response.kind === 'answered' ? response.body : null,
    error: response.kind === 'answered' ? null : `${response.kind}: ${response.error}`,
    durationMs: response.durationMs,
  };
}
