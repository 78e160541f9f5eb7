import { Queue, type ConnectionOptions } from 'bullmq';
import { readJobStates } from './commands/read-job-states';
import { addJobs, infrastructureRetryJobOptions } from './job-defaults';
import { deliveryJobId, type DeliveryJobData } from './delivery-job';
import { fairPriorities } from './fair-priority';
import { DELIVERY_QUEUE } from './queue-names';
import type { RedisConnection } from './redis-connection';

export interface DeliveryTargetLike {
  emailId: string;
  /** Ahead of every ranked job when due (see fairPriorities). */
  frontOfLine?: boolean;
  createdAt: Date;
  tenantId: string;
  version: number;
  attempts: number;
  dueAt: Date;
}

export type DeliveryQueue = Queue<DeliveryJobData>;

export function createDeliveryQueue(connection: RedisConnection | ConnectionOptions, prefix: string): DeliveryQueue {
  return new Queue<DeliveryJobData>(DELIVERY_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: infrastructureRetryJobOptions,
  });
}

/**
 * Adds one delayed job per target, with a priority that interleaves tenants (fairPriorities); a job whose
 * id already exists is left as it is (BullMQ dedupes by id).
 */
export async function enqueueDeliveries(queue: DeliveryQueue, targets: DeliveryTargetLike[], now = Date.now()): Promise<void> {
  if (targets.length === 0) return;
  // BullMQ's client is a proxy over our ioredis connection (one server's or a cluster's): its pipeline is ioredis'.
  const redis = (await queue.getBackend().client) as unknown as RedisConnection;
  const priorities = await fairPriorities(redis, queue.opts.prefix ?? 'bull', targets);
  const jobs = targets.map((t, i) => ({
    name: 'deliver',
    data: { emailId: t.emailId, tenantId: t.tenantId, version: t.version },
    opts: { jobId: deliveryJobId(t), delay: Math.max(0, t.dueAt.getTime() - now), priority: priorities[i]! },
  }));
  await addJobs(queue, jobs);
}

/**
 * For the sweeper, given emails that are overdue: makes sure each has a job that will run now. A job left
 * finished under the same id (failed after its infrastructure retries, say) would block the re-add, so it
 * is removed first. A job still delayed is promoted: the row is due, so whatever timer holds the job
 * (an infrastructure retry's backoff, or a stale one from any cause) is not worth waiting for. Waiting
 * and active jobs are kept. The states of all the targets' jobs are read in one script call, and the jobs
 * to add go in one addBulk. Says how many jobs were added and how many delayed ones were run now.
 */
export async function reEnqueueDeliveries(
  queue: DeliveryQueue,
  targets: DeliveryTargetLike[],
): Promise<{ reEnqueued: number; delayedRunNow: number }> {
  const jobIds = targets.map(deliveryJobId);
  const states = await readJobStates(queue, jobIds);
  const missing = targets.filter((_, i) => states[i] === 'missing');
  const finished = targets.filter((_, i) => states[i] === 'finished');
  const delayed = jobIds.filter((_, i) => states[i] === 'delayed');
  const removed = await Promise.allSettled(finished.map((target) => queue.remove(deliveryJobId(target))));
  const promoted = await Promise.allSettled(delayed.map((jobId) => promoteDelayed(queue, jobId)));
  const toAdd = [...missing, ...finished.filter((_, i) => removed[i]!.status === 'fulfilled')];
  // One email's trouble does not keep the others' jobs from being added; it is reported after them.
  await enqueueDeliveries(queue, toAdd);
  const failure = [...removed, ...promoted].find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
  return { reEnqueued: toAdd.length, delayedRunNow: promoted.filter((p) => p.status === 'fulfilled' && p.value).length };
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
