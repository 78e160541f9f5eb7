import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { connectDatabase } from '@postdate/db/client';
import { createDeliveryQueue, createRedisConnection, enqueueDeliveries } from '@postdate/queue';
import { uniqueQueuePrefix } from '@postdate/test-support';
import { benchTenant, seedEmails } from './support/bench-emails';
import { nextMessage, spawnTs, startWorkerProc, type NodeProcess } from './support/processes';
import { emitResult, envInt, percentiles, progress, round1, runBenchmark } from './support/report';
import { startSinkProcess, type SinkProc } from './support/sink-client';
import { withBenchServices } from './support/services';
import { benchWorkerVariables } from './support/worker-env';

// bench:lateness — how late (SMTP acceptance − sendAt) emails go out when M are due at one instant and
// when M are spread over S seconds, with K workers. The floor: BullMQ delayed jobs into a no-op processor
// (K processes, same concurrency), lateness = processing start − due time, same loads, same run.

const M = envInt('EMAILS', 2500);
const SPREAD_S = envInt('SPREAD_SECONDS', 30);
const K = envInt('WORKERS', 2);
const LEAD_S = envInt('LEAD_SECONDS', 25);
const TIMEOUT_MS = envInt('PHASE_TIMEOUT_SECONDS', 300) * 1000;
const WARMUP = envInt('WARMUP_EMAILS', 200);

type Load = 'burst' | 'spread';
const dueTimes = (load: Load, start: number) => (i: number) =>
  start + (load === 'burst' ? 0 : Math.floor((i * SPREAD_S * 1000) / M));

async function floor(redisUrl: string, load: Load) {
  const prefix = uniqueQueuePrefix();
  const name = 'noop';
  const workers: NodeProcess[] = Array.from({ length: K }, () =>
    spawnTs('bench/baselines/noop-worker.ts', {
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: prefix,
      QUEUE_NAME: name,
      WORKER_CONCURRENCY: String(envInt('WORKER_CONCURRENCY', 20)),
    }),
  );
  await Promise.all(workers.map((w) => nextMessage(w, 'ready')));
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(name, { connection, prefix });
  const start = Date.now() + 5000;
  const due = dueTimes(load, start);
  for (let i = 0; i < M; i += 1000) {
    const now = Date.now();
    await queue.addBulk(
      Array.from({ length: Math.min(1000, M - i) }, (_, k) => ({
        name: 'noop',
        data: { dueAt: due(i + k) },
        opts: { delay: Math.max(0, due(i + k) - now) },
      })),
    );
  }
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const { completed = 0 } = await queue.getJobCounts('completed');
    if (completed >= M) break;
    if (Date.now() > deadline) throw new Error(`floor ${load}: ${completed}/${M} jobs done in time`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const reports = await Promise.all(
    workers.map(async (w) => {
      const reply = nextMessage<{ type: 'report'; lateness: number[] }>(w, 'report');
      w.child.send({ type: 'report' });
      return (await reply).lateness;
    }),
  );
  await Promise.all(workers.map((w) => w.stop()));
  await queue.close();
  connection.disconnect();
  return percentiles(reports.flat());
}

async function postdate(
  sink: SinkProc,
  env: { databaseUrl: string; redisUrl: string; queuePrefix: string },
  db: ReturnType<typeof connectDatabase>,
  tenantId: bigint,
  load: Load,
  firstIndex: number,
) {
  await sink.reset();
  const workers = await Promise.all(
    Array.from({ length: K }, (_, i) => startWorkerProc(benchWorkerVariables(env, sink.url, { WORKER_ID: `late-${i}` }))),
  );
  const queue = createDeliveryQueue(createRedisConnection(env.redisUrl, 'producer'), env.queuePrefix);
  // Warm-up: a running service's workers are warm (JIT, Prisma query plans, pool connections, SMTP pool);
  // a cold start is reported separately and not mixed into the measured load.
  const warm = await seedEmails(db, tenantId, WARMUP, {
    recipients: 3,
    sendAtOf: () => new Date(),
    firstIndex: firstIndex + 10 * M,
  });
  await enqueueDeliveries(queue, warm);
  await sink.waitForCount(WARMUP, TIMEOUT_MS);
  const coldStart = percentiles((await sink.stats()).lateness);
  await sink.reset();
  const start = Date.now() + LEAD_S * 1000;
  const due = dueTimes(load, start);
  // Created through createEmails and enqueued after commit, exactly as the API does (in batches of 500).
  const targets = await seedEmails(db, tenantId, M, { recipients: 3, sendAtOf: (i) => new Date(due(i)), firstIndex });
  for (let i = 0; i < targets.length; i += 1000) await enqueueDeliveries(queue, targets.slice(i, i + 1000));
  const slackMs = start - Date.now();
  progress(
    `postdate ${load}: ${targets.length} emails created and enqueued ${(slackMs / 1000).toFixed(1)} s before the first is due`,
  );
  if (slackMs < 1000) progress(`WARNING: seeding overran the lead time; raise LEAD_SECONDS`);
  await sink.waitForCount(M, TIMEOUT_MS + LEAD_S * 1000 + SPREAD_S * 1000, (c) => progress(`postdate ${load}: ${c}/${M}`));
  const stats = await sink.stats();
  await Promise.all(workers.map((w) => w.stop()));
  await queue.close();
  // Mean lateness by tenth of the load in due order: flat under FIFO service, rising under a backlog,
  // and falling when later-due emails overtake earlier ones.
  const byDue = [...stats.dueAndAccepted].sort((a, b) => a[0] - b[0]);
  const tenths = Array.from({ length: 10 }, (_, d) => {
    const part = byDue.slice(Math.floor((d * byDue.length) / 10), Math.floor(((d + 1) * byDue.length) / 10));
    return Math.round(part.reduce((s, [due, at]) => s + at - due, 0) / Math.max(1, part.length));
  });
  const accepted = byDue.map(([, at]) => at);
  const servedPerSecond = round1(((accepted.length - 1) * 1000) / (Math.max(...accepted) - Math.min(...accepted)));
  return {
    ...percentiles(stats.lateness),
    meanLatenessByDueTenth: tenths,
    servedPerSecond,
    duplicates: stats.duplicates,
    seedSlackMs: slackMs,
    warmupLateness: { n: coldStart.n, p50: coldStart.p50, max: coldStart.max },
  };
}

async function main() {
  progress(`lateness: ${M} emails due at one instant, then ${M} spread over ${SPREAD_S}s; K=${K} processes`);
  await withBenchServices('late', async ({ database, redis, defer }) => {
    const sink = await startSinkProcess();
    defer(() => sink.close());
    const db = connectDatabase({ url: database.url, poolSize: 5 });
    defer(() => db.$disconnect());
    const { tenantId } = await benchTenant(db);
    const env = { databaseUrl: database.url, redisUrl: redis.url, queuePrefix: uniqueQueuePrefix() };
    progress('floor: BullMQ no-op, burst');
    const floorBurst = await floor(redis.url, 'burst');
    progress(`floor burst p99 ${floorBurst.p99} ms; floor: spread`);
    const floorSpread = await floor(redis.url, 'spread');
    progress(`floor spread p99 ${floorSpread.p99} ms; postdate: burst`);
    const burst = await postdate(sink, env, db, tenantId, 'burst', 0);
    progress(`postdate burst p99 ${burst.p99} ms; postdate: spread`);
    const spread = await postdate(sink, env, db, tenantId, 'spread', M);
    progress(`postdate spread p99 ${spread.p99} ms`);
    emitResult('lateness', {
      emails: M,
      spreadSeconds: SPREAD_S,
      processes: K,
      workerConcurrency: envInt('WORKER_CONCURRENCY', 20),
      unit: 'ms',
      postdate: { burst, spread },
      bullmqNoopFloor: { burst: floorBurst, spread: floorSpread },
      spreadP99UnderOneSecond: spread.p99 < 1000,
    });
  });
}

runBenchmark(main);
