import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { deliverEmail, type DeliveryContext, type DeliveryOutcome } from '@postdate/domain';
import type { Logger } from '@postdate/observability';
import { deliveryJobSchema, type DeliveryJobData } from '@postdate/queue';
import type { WorkerMetrics } from './worker-metrics';

/** Turns one BullMQ delivery job into one run of the delivery protocol, and its outcome into job state. */
export function createDeliveryProcessor(ctx: DeliveryContext, log: Logger, metrics: WorkerMetrics, pauseSending: (ms: number) => Promise<void>) {
  return async (job: Job<DeliveryJobData>, token?: string): Promise<DeliveryOutcome> => {
    const parsed = deliveryJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`malformed delivery job: ${parsed.error.message}`);
    const data = parsed.data;
    const jobLog = log.child({ emailId: data.emailId, version: data.version, jobId: job.id });

    const result = await deliverEmail(ctx, data);
    const reason = 'reason' in result ? result.reason : '';
    metrics.deliveries.inc({ outcome: result.outcome, reason });
    // Only deliveries that spoke SMTP: one ended before any conversation reports 0.
    if ('smtpMs' in result && result.smtpMs > 0) metrics.smtpDuration.observe(result.smtpMs / 1000);
    const attemptLog = 'attempt' in result ? jobLog.child({ attempt: result.attempt }) : jobLog;

    switch (result.outcome) {
      case 'sent':
        metrics.lateness.observe(Math.max(0, (result.sentAt.getTime() - result.sendAt.getTime()) / 1000));
        attemptLog.info({ smtpMs: Math.round(result.smtpMs) }, 'email sent');
        return result;
      case 'not_due':
        // Fired early (an edit moved sendAt, or clocks disagree): wait in Redis until the row is due. The
        // wait is the database's span added to this worker's clock, which BullMQ also goes by: an instant
        // of the database's clock would be in the past for a worker whose clock runs ahead, and the job
        // would run again at once, and again.
        attemptLog.debug({ delayMs: result.delayMs }, 'job fired before the email is due; delaying');
        await job.moveToDelayed(Date.now() + result.delayMs, token);
        throw new DelayedError();
      case 'failed':
        attemptLog.warn({ reason: result.reason, error: result.error }, 'email failed permanently');
        // Marked failed in Postgres already; UnrecoverableError keeps BullMQ from retrying the job.
        throw new UnrecoverableError(`${result.reason}: ${result.error}`);
      case 'lost_claim':
        // Another worker or the sweeper took this email back. Never swallowed: the job fails visibly. Taken
        // back before the send (its lease renewed too late), nothing went out; after it, the duplicate (if
        // any) carries the same Message-ID.
        if (!result.sent) {
          attemptLog.warn('taken back before sending (lease lapsed before the send began); not sent');
          throw new UnrecoverableError('lost claim before sending: not sent');
        }
        attemptLog.error('lost the claim while sending: lease expired before the result was recorded');
        throw new UnrecoverableError('lost claim: lease expired before the send was recorded');
      case 'throttled':
        // Every worker pauses fetching deliveries (BullMQ's queue-wide rate limit), not just this one.
        metrics.relayThrottled.inc();
        attemptLog.warn({ pauseMs: result.pauseMs, error: result.error, enqueueError: result.enqueueError }, 'relay throttled us; pausing sending');
        await pauseSending(result.pauseMs);
        return result;
      case 'retry_scheduled':
        attemptLog.warn({ delaySeconds: result.delaySeconds, error: result.error, enqueueError: result.enqueueError }, 'transient failure; retry scheduled');
        return result;
      case 'expired':
        attemptLog.warn('email expired before it could be sent');
        return result;
      case 'skipped':
        attemptLog.debug({ reason: result.reason, status: result.status }, 'duplicate or stale job skipped');
        return result;
    }
  };
}
