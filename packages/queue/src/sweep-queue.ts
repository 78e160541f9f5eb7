import { Queue, type ConnectionOptions } from 'bullmq';
import type { RedisConnection } from './redis-connection';
import { SWEEP_QUEUE, SWEEP_SCHEDULER_ID } from './queue-names';

export type SweepQueue = Queue<Record<string, never>>;

export function createSweepQueue(connection: RedisConnection | ConnectionOptions, prefix: string): SweepQueue {
  return new Queue(SWEEP_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
  });
}

/**
 * One BullMQ job scheduler drives the sweep, so however many workers run, one sweep job exists per
 * interval. Every worker calls this on a timer: after a Redis flush the scheduler is gone, and the first
 * worker to notice puts it back. An existing scheduler is left alone so its timing is not reset.
 */
export async function ensureSweepScheduler(queue: SweepQueue, intervalMs: number): Promise<boolean> {
  const existing = await queue.getJobScheduler(SWEEP_SCHEDULER_ID);
  if (existing && existing.every === intervalMs) return false;
  await queue.upsertJobScheduler(SWEEP_SCHEDULER_ID, { every: intervalMs }, { name: 'sweep', data: {} });
  return true;
}
