import { Queue, type ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { deliveryJobId, type DeliveryJobData } from './delivery-job';
import { DELIVERY_QUEUE } from './queue-names';

export interface DeliveryTargetLike {
  emailId: string;
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
 * For the sweeper: like enqueueDeliveries, but a job left finished under the same id (failed after its
 * infrastructure retries, say) would block the re-add, so it is removed first. Live jobs are kept.
 */
export async function reEnqueueDeliveries(queue: DeliveryQueue, targets: DeliveryTargetLike[]): Promise<number> {
  const missing: DeliveryTargetLike[] = [];
  await Promise.all(
    targets.map(async (target) => {
      const jobId = deliveryJobId(target);
      const state = await queue.getJobState(jobId);
      if (state === 'completed' || state === 'failed') await queue.remove(jobId);
      if (state === 'unknown' || state === 'completed' || state === 'failed') missing.push(target);
    }),
  );
  await enqueueDeliveries(queue, missing);
  return missing.length;
}
