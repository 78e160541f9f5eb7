import { createDeliveryQueue, createRedisConnection, enqueueDeliveries, type RedisTarget } from '@postdate/queue';
import { uniqueQueuePrefix } from '@postdate/test-support';
import { benchTenant, seedEmails } from '../support/bench-emails';
import { cpuPerEmail } from '../support/cpu-meter';
import { deliveryRate, statusesOf, type DeliveryBench, type PhaseSize } from '../support/delivery-bench';
import type { NodeProcess } from '../support/processes';
import { progress } from '../support/report';
import type { SinkStats } from '../support/sink-client';

// The one way every queue-driven phase is run (postdate's workers, the plain BullMQ + Prisma worker, the
// durable floor), so only the worker differs: a tenant of the phase's own; N emails due now created through
// the domain's createEmails (as the API creates them) and their jobs added with enqueueDeliveries while the
// queue is paused; the K processes started and ready; then the queue resumed and the clock run at the sink
// from its first acceptance to its last, CPU metered from the resume to the last acceptance.

export interface QueuedPhaseWorkers<P extends NodeProcess> {
  /** The Redis the phase's queue lives in (the processes must be given the same); the bench's server by default. */
  redis?: RedisTarget;
  /** Starts the K processes on the (paused) delivery queue under `queuePrefix`, resolving once they are ready. */
  start(queuePrefix: string): Promise<P[]>;
  /** Called as the queue resumes; its return is called after the last acceptance and merged into the result. */
  watch?(processes: P[]): (stats: SinkStats) => Record<string, unknown>;
  /** Called once the processes have stopped; merged into the result. */
  afterStop?(processes: P[]): Record<string, unknown>;
}

export async function runQueuedPhase<P extends NodeProcess>(bench: DeliveryBench, size: PhaseSize, label: string, workers: QueuedPhaseWorkers<P>) {
  const { sink, db } = bench;
  await sink.reset();
  const queuePrefix = uniqueQueuePrefix();
  const queue = createDeliveryQueue(createRedisConnection(workers.redis ?? bench.redisUrl, 'worker'), queuePrefix);
  try {
    // Paused while the processes start and the jobs are added: the clock starts with every job waiting.
    await queue.pause();
    const processes = await workers.start(queuePrefix);
    try {
      const { tenantId } = await benchTenant(db, `${label}-${queuePrefix}`);
      progress(`${label}: ${processes.length} processes ready; seeding ${size.emails} emails`);
      const targets = await seedEmails(db, tenantId, size.emails, { recipients: size.recipients, sendAtOf: () => new Date() });
      for (let i = 0; i < targets.length; i += 1000) await enqueueDeliveries(queue, targets.slice(i, i + 1000));
      const meter = bench.meter(processes.map((p) => p.pid));
      const finish = workers.watch?.(processes);
      await queue.resume();
      await sink.waitForCount(size.emails, size.timeoutMs, (c) => progress(`${label}: ${c}/${size.emails}`));
      const cpu = meter.stop();
      const stats = await sink.stats();
      const watched = finish?.(stats) ?? {};
      // The last sent-records commit just after the last acceptance.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const rows = await statusesOf(db, tenantId);
      await Promise.all(processes.map((p) => p.stop()));
      return { ...deliveryRate(stats), cpuMsPerEmail: cpuPerEmail(cpu, size.emails), rows, ...watched, ...(workers.afterStop?.(processes) ?? {}) };
    } finally {
      await Promise.all(processes.map((p) => p.stop()));
    }
  } finally {
    await queue.close();
  }
}
