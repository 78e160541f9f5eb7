import { Queue, type ConnectionOptions } from 'bullmq';
import { addJobs, infrastructureRetryJobOptions } from './job-defaults';
import { webhookJobId, type WebhookJobData } from './webhook-job';
import { WEBHOOK_QUEUE } from './queue-names';
import type { RedisConnection } from './redis-connection';

export interface WebhookTargetLike {
  deliveryId: string;
  createdAt: Date;
  attempts: number;
}

export type WebhookQueue = Queue<WebhookJobData>;

export function createWebhookQueue(connection: RedisConnection | ConnectionOptions, prefix: string): WebhookQueue {
  return new Queue<WebhookJobData>(WEBHOOK_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: infrastructureRetryJobOptions,
  });
}

/** Adds one job per target, to run now (only due deliveries get jobs); an existing id is left as it is. */
export async function enqueueWebhooks(queue: WebhookQueue, targets: WebhookTargetLike[]): Promise<void> {
  const jobs = targets.map((t) => ({
    name: 'dispatch',
    data: { deliveryId: t.deliveryId, createdAt: t.createdAt.getTime(), attempts: t.attempts },
    opts: { jobId: webhookJobId(t) },
  }));
  await addJobs(queue, jobs);
}

/**
 * For the sweeper, given deliveries queued long ago and still pending: makes sure each has a job. A job left
 * finished under the same id (failed after its infrastructure retries) would block the re-add, so it is
 * removed first; waiting and active jobs are kept. Says how many jobs were added.
 */
export async function reEnqueueWebhooks(queue: WebhookQueue, targets: WebhookTargetLike[]): Promise<number> {
  const missing: WebhookTargetLike[] = [];
  const checked = await Promise.allSettled(
    targets.map(async (target) => {
      const jobId = webhookJobId(target);
      const state = await queue.getJobState(jobId);
      if (state === 'completed' || state === 'failed') await queue.remove(jobId);
      if (state === 'unknown' || state === 'completed' || state === 'failed') missing.push(target);
    }),
  );
  // One delivery's trouble does not keep the others' jobs from being added; it is reported after them.
  await enqueueWebhooks(queue, missing);
  const failure = checked.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
  return missing.length;
}
