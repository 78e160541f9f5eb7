import { Queue, type ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { deliveryJobId, type DeliveryJobData } from './delivery-job';
import { DELIVERY_QUEUE } from './queue-names';

export interface DeliveryTargetLike {
  emailId: string;
  createdAt: Date;
  tenantId: string;
  version: number;
  attempts: number;
  dueAt: Date;
}

export type DeliveryQueue = Queue<DeliveryJobData>;

export function createDeliveryQueue(connection: Redis | ConnectionOptions, prefix: string): DeliveryQueue {
  return new Queue<DeliveryJobData>(DELIVERY_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: {
      // Retries here cover infrastructure errors only (Postgres unreachable during a claim). SMTP failures
      // are retried by the deliverer with a new job, and permanent ones are UnrecoverableError.
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
    },
  });
}

/** Adds one delayed job per target; a job whose id already exists is left as it is (BullMQ dedupes by id). */
export async function enqueueDeliveries(queue: DeliveryQueue, targets: DeliveryTargetLike[], now = Date.now()): Promise<void> {
  const jobs = targets.map((t) => ({
    name: 'deliver',
    data: { emailId: t.emailId, tenantId: t.tenantId, version: t.version },
    opts: { jobId: deliveryJobId(t), delay: Math.max(0, t.dueAt.getTime() - now) },
  }));
  // One job (the API's common case) is one script call; addBulk wraps even one job in a MULTI.
  if (jobs.length === 1) await queue.add(jobs[0]!.name, jobs[0]!.data, jobs[0]!.opts);
  else if (jobs.length > 1) await queue.addBulk(jobs);
}

/**
 * For the sweeper, given emails that are overdue: makes sure each has a job that will run now. A job left
 * finished under the same id (failed after its infrastructure retries, say) would block the re-add, so it
 * is removed first. A job still delayed is promoted: the row is due, so whatever timer holds the job
 * (an infrastructure retry's backoff, or a stale one from any cause) is not worth waiting for. Waiting
 * and active jobs are kept. Says how many jobs were added and how many delayed ones were run now.
 */
export async function reEnqueueDeliveries(
  queue: DeliveryQueue,
  targets: DeliveryTargetLike[],
): Promise<{ reEnqueued: number; delayedRunNow: number }> {
  const missing: DeliveryTargetLike[] = [];
  let delayedRunNow = 0;
  const checked = await Promise.allSettled(
    targets.map(async (target) => {
      const jobId = deliveryJobId(target);
      const state = await queue.getJobState(jobId);
      if (state === 'delayed' && (await promoteDelayed(queue, jobId))) delayedRunNow++;
      if (state === 'completed' || state === 'failed') await queue.remove(jobId);
      if (state === 'unknown' || state === 'completed' || state === 'failed') missing.push(target);
    }),
  );
  // One email's trouble does not keep the others' jobs from being added; it is reported after them.
  await enqueueDeliveries(queue, missing);
  const failure = checked.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
  return { reEnqueued: missing.length, delayedRunNow };
}

/** False when the job left the delayed set meanwhile (its timer fired, or it was removed). */
async function promoteDelayed(queue: DeliveryQueue, jobId: string): Promise<boolean> {
  const job = await queue.getJob(jobId);
  if (!job) return false;
  try {
    await job.promote();
    return true;
  } catch (error) {
    if ((await queue.getJobState(jobId)) !== 'delayed') return false;
    throw error;
  }
}
