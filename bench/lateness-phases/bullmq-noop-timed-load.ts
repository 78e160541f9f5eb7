import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { uniqueQueuePrefix } from '@postdate/test-support';
import { cpuPerEmail } from '../support/cpu-meter';
import type { DeliveryBench, PhaseSize } from '../support/delivery-bench';
import { nextMessage, spawnTs, type NodeProcess } from '../support/processes';
import { sampleRedisMemory } from '../support/redis-memory-sampler';
import { envInt, percentiles, progress, round1 } from '../support/report';
import type { TimedLoad } from './timed-load';

// The floor: BullMQ's own drain of the same load — delayed jobs with the same due times, kept after
// completion as postdate's are (removeOnComplete: an hour, 10 000 jobs), into K processes of a no-op
// processor (bench/baselines/noop-worker.ts) at the same concurrency. Lateness = processing start − due
// time; drain rate from the first processing to the last.

const QUEUE_NAME = 'noop';

async function counted(workers: NodeProcess[]): Promise<number> {
  const counts = await Promise.all(
    workers.map(async (w) => {
      const reply = nextMessage<{ type: 'count'; count: number }>(w, 'count');
      w.child.send({ type: 'count' });
      return (await reply).count;
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}

export async function bullmqNoopTimedLoadPhase(bench: DeliveryBench, size: PhaseSize, load: TimedLoad, label: string) {
  const prefix = uniqueQueuePrefix();
  const workers = Array.from({ length: size.workers }, () =>
    spawnTs('bench/baselines/noop-worker.ts', {
      REDIS_URL: bench.redisUrl,
      QUEUE_PREFIX: prefix,
      QUEUE_NAME,
      WORKER_CONCURRENCY: String(envInt('WORKER_CONCURRENCY', 20)),
    }),
  );
  const connection = new Redis(bench.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUE_NAME, { connection, prefix, defaultJobOptions: { removeOnComplete: { age: 3600, count: 10_000 } } });
  try {
    await Promise.all(workers.map((w) => nextMessage(w, 'ready')));
    const memory = await sampleRedisMemory(bench.redisUsedMemory);
    const firstDueAt = Date.now() + load.leadMs;
    const due = (i: number) => firstDueAt + Math.floor((i * load.spreadMs) / load.emails);
    for (let i = 0; i < load.emails; i += 1000) {
      const now = Date.now();
      await queue.addBulk(
        Array.from({ length: Math.min(1000, load.emails - i) }, (_, k) => ({ name: 'noop', data: { dueAt: due(i + k) }, opts: { delay: Math.max(0, due(i + k) - now) } })),
      );
    }
    const slackMs = firstDueAt - Date.now();
    progress(`${label}: ${load.emails} delayed jobs added, ${round1(slackMs / 1000)} s before the first is due`);
    if (slackMs > 200) await new Promise((resolve) => setTimeout(resolve, slackMs - 200));
    const meter = bench.meter(workers.map((w) => w.pid));
    const deadline = Date.now() + size.timeoutMs + load.spreadMs;
    let lastReport = 0;
    for (;;) {
      const done = await counted(workers);
      if (done >= load.emails) break;
      if (Date.now() > deadline) throw new Error(`${label}: ${done}/${load.emails} jobs done in time`);
      if (Date.now() - lastReport > 5000) {
        lastReport = Date.now();
        progress(`${label}: ${done}/${load.emails}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const cpu = meter.stop();
    const redisMemory = await memory.stop();
    const reports = await Promise.all(
      workers.map(async (w) => {
        const reply = nextMessage<{ type: 'report'; lateness: number[]; first: number; last: number }>(w, 'report');
        w.child.send({ type: 'report' });
        return reply;
      }),
    );
    const [first, last] = [Math.min(...reports.map((r) => r.first)), Math.max(...reports.map((r) => r.last))];
    return {
      emailsPerSecond: round1(((load.emails - 1) * 1000) / (last - first)),
      windowMs: last - first,
      cpuMsPerEmail: cpuPerEmail(cpu, load.emails),
      latenessMs: percentiles(reports.flatMap((r) => r.lateness)),
      redisMemory: { ...redisMemory, bytesPerJobAtPeak: Math.round((redisMemory.peakBytes - redisMemory.beforeBytes) / load.emails) },
      seed: { slackMs, valid: slackMs >= 0 },
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await queue.close();
    connection.disconnect();
  }
}
