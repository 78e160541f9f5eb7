import type { DeliveryBench, PhaseSize } from '../support/delivery-bench';
import { nextMessage, spawnTs, type NodeProcess } from '../support/processes';
import { envInt } from '../support/report';
import { runQueuedPhase } from './queued-delivery';

/**
 * K processes of a baseline deliverer (bench/baselines/<script>) on the phase's delivery queue, with the
 * sizes postdate's workers get: concurrency, database pool, SMTP pool, and batching where it applies.
 */
async function startBaselineWorkers(script: string, bench: DeliveryBench, size: PhaseSize, queuePrefix: string): Promise<NodeProcess[]> {
  const processes = Array.from({ length: size.workers }, (_, i) =>
    spawnTs(script, {
      DATABASE_URL: bench.databaseUrl,
      REDIS_URL: bench.redisUrl,
      QUEUE_PREFIX: queuePrefix,
      SMTP_URL: bench.sink.url,
      WORKER_ID: `baseline-${i}`,
      WORKER_CONCURRENCY: String(envInt('WORKER_CONCURRENCY', 20)),
      DATABASE_POOL_SIZE: String(envInt('DATABASE_POOL_SIZE', 10)),
      SMTP_POOL_SIZE: String(envInt('SMTP_POOL_SIZE', 5)),
      DELIVERY_BATCH_SIZE: String(envInt('DELIVERY_BATCH_SIZE', 50)),
      DELIVERY_BATCH_WAIT_MS: String(envInt('DELIVERY_BATCH_WAIT_MS', 10)),
    }),
  );
  try {
    await Promise.all(processes.map((p) => nextMessage(p, 'ready')));
  } catch (error) {
    await Promise.all(processes.map((p) => p.stop()));
    throw error;
  }
  return processes;
}

/** The plain BullMQ + Prisma worker (bench/baselines/plain-bullmq-worker.ts): no lock, no fence, no batching. */
export function plainBullmqPrismaPhase(bench: DeliveryBench, size: PhaseSize, label: string) {
  return runQueuedPhase(bench, size, label, {
    start: (queuePrefix) => startBaselineWorkers('bench/baselines/plain-bullmq-worker.ts', bench, size, queuePrefix),
  });
}

/**
 * The durable floor (bench/baselines/durable-floor-worker.ts): postdate's claim → send → record protocol,
 * batched the same way, through node-postgres instead of Prisma.
 */
export function durableFloorPhase(bench: DeliveryBench, size: PhaseSize, label: string) {
  return runQueuedPhase(bench, size, label, {
    start: (queuePrefix) => startBaselineWorkers('bench/baselines/durable-floor-worker.ts', bench, size, queuePrefix),
  });
}
