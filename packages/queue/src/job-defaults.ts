import type { JobsOptions, Queue } from 'bullmq';

/**
 * Job options of the delivery and webhook queues. BullMQ's own retries cover infrastructure errors only
 * (Postgres unreachable during a claim): a failed send or POST is retried by its dispatcher, on the row's
 * own schedule, with a new job when it is due.
 */
export const infrastructureRetryJobOptions: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
};

/** Adds jobs: one (the API's common case) in one script call, since addBulk wraps even one job in a MULTI. */
export async function addJobs<Data>(queue: Queue<Data>, jobs: Parameters<Queue<Data>['addBulk']>[0]): Promise<void> {
  const [only] = jobs;
  if (jobs.length === 1 && only) await queue.add(only.name, only.data, only.opts);
  else if (jobs.length > 1) await queue.addBulk(jobs);
}
