import { UnrecoverableError, type Job } from 'bullmq';
import { dispatchWebhook, type WebhookDispatchContext, type WebhookDispatchOutcome } from '@postdate/domain';
import type { Logger } from '@postdate/observability';
import { webhookJobSchema, type WebhookJobData } from '@postdate/queue';
import type { WorkerMetrics } from './worker-metrics';

/** What a finished job keeps in Redis: JSON-safe, no URL (it may carry a token), no secret. */
type JobSummary = { outcome: WebhookDispatchOutcome['outcome']; attempt?: number; statusCode?: number | null };

/** Turns one BullMQ webhook job into one run of the dispatch protocol, and its outcome into job state. */
export function createWebhookProcessor(ctx: WebhookDispatchContext, log: Logger, metrics: WorkerMetrics) {
  return async (job: Job<WebhookJobData>): Promise<JobSummary> => {
    const parsed = webhookJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`malformed webhook job: ${parsed.error.message}`);
    const result = await dispatchWebhook(ctx, parsed.data);
    metrics.webhookDeliveries.inc({ outcome: result.outcome });
    // Loggers are made only for the lines written: a child logger per job costs more than the line itself.
    const fields = { deliveryId: parsed.data.deliveryId, jobId: job.id };
    if (!('attempt' in result)) {
      log.debug({ ...fields, ...result }, result.outcome === 'skipped' ? 'duplicate or stale webhook job skipped' : 'endpoint disabled: delivery ended unsent');
      return { outcome: result.outcome };
    }
    const summary = { outcome: result.outcome, attempt: result.attempt, statusCode: result.statusCode };
    const attemptFields = { ...fields, endpointId: result.endpointId.toString(), attempt: result.attempt, statusCode: result.statusCode, durationMs: result.durationMs };
    switch (result.outcome) {
      case 'delivered':
        metrics.webhookLag.observe(Math.max(0, result.lagMs) / 1000);
        log.debug({ ...attemptFields, lagMs: result.lagMs }, 'webhook delivered');
        return summary;
      case 'retry_scheduled':
      case 'failed':
        log.warn({ ...attemptFields, error: result.error, retryInSeconds: result.retryDelaySeconds }, result.outcome === 'failed' ? 'webhook failed: retries exhausted' : 'webhook attempt failed; retry scheduled');
        if (result.endpointDisabled) log.warn({ ...attemptFields, reason: result.endpointDisabled }, 'webhook endpoint disabled');
        return summary;
      case 'lost_claim':
        // The sweeper took the delivery back (or its endpoint was deleted) while we were POSTing. Never
        // swallowed: the job fails visibly; a second POST, if any, carries the same webhook-id.
        log.error(attemptFields, 'lost the claim while POSTing: lease expired (or endpoint deleted) before the answer was recorded');
        throw new UnrecoverableError('lost claim: lease expired before the answer was recorded');
    }
  };
}
