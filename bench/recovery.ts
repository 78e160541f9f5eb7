import { Client } from 'pg';
import { connectDatabase } from '@postdate/db/client';
import { sweepDueEmails, type DeliveryPolicy, type SweepContext } from '@postdate/domain';
import { createDeliveryQueue, createRedisConnection, enqueueDeliveries, reEnqueueDeliveries, type DeliveryQueue } from '@postdate/queue';
import { uniqueQueuePrefix } from '@postdate/test-support';
import { benchTenant } from './support/bench-emails';
import { bulkInsertEmails } from './support/bulk-emails';
import { startWorkerProc, type WorkerProc } from './support/processes';
import { emitResult, envInt, percentiles, progress, round1, runBenchmark } from './support/report';
import { startSinkProcess, type SinkProc } from './support/sink-client';
import { withBenchServices } from './support/services';
import { benchWorkerVariables } from './support/worker-env';

// bench:recovery — scheduled emails, all due at one instant, lose their jobs to a FLUSHALL while WORKERS
// worker processes run with production sweep settings (SWEEP_INTERVAL_MS 5000, SWEEP_GRACE_MS 30000,
// SWEEP_BATCH_SIZE 500). Times count from when the emails became overdue (due time + grace: the first moment
// the sweeper may take them for lost).
//   1. EMAILS (100 000) emails, the delivery queue paused after the flush: every re-added job stays waiting (or prioritized),
//      so "every job back" is an exact count, and the sweeper's alone.
//   2. A delivery backlog: workers stopped, sweep passes over those emails with every job waiting, timed in
//      this process (what each pass costs while workers are behind).
//   3. COMPARE_EMAILS (5 000) emails delivered to a counting sink: time until every one was sent, by this
//      checkout's workers and, with COMPARE_DIR=<another checkout> (npm ci done there), by that one's.

const N = envInt('EMAILS', 100_000);
const K = envInt('WORKERS', 2);
const COMPARE_DIR = process.env.COMPARE_DIR;
const COMPARE_N = envInt('COMPARE_EMAILS', 5_000);
const PASSES = envInt('SWEEP_PASSES', 3);
const TIMEOUT_MS = envInt('PHASE_TIMEOUT_SECONDS', 600) * 1000;
const GRACE_MS = 30_000;
// Every email due at one instant (a campaign: the worst case for paging, many rows sharing one due_at), far
// enough ahead that writing and vacuuming them is over by then.
const LEAD_SECONDS = envInt('LEAD_SECONDS', 20);
const DUE = { status: 'scheduled', dueAt: `date_trunc('second', now()) + interval '${LEAD_SECONDS} seconds'`, queued: true } as const;

const policy: DeliveryPolicy = { leaseSeconds: 120, maxSendSeconds: 600, maxAttempts: 8, retryBaseSeconds: 30, retryMaxSeconds: 3600, leaseRecovery: 'at-least-once' };

interface Env {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
}

interface Run {
  label: string;
  count: number;
  /** Deliver to this sink and wait until every email was sent; without one, pause deliveries and count jobs. */
  sink?: SinkProc;
  root?: string;
}

/** Jobs ready to run: waiting, or prioritized (jobs due together are interleaved by tenant). */
async function jobsWaiting(queue: DeliveryQueue): Promise<number> {
  const counts = await queue.getJobCounts('waiting', 'prioritized');
  return (counts.waiting ?? 0) + (counts.prioritized ?? 0);
}

async function recover(env: Env, pg: Client, tenantId: bigint, run: Run) {
  const { label, count, sink } = run;
  await pg.query('TRUNCATE scheduled_email CASCADE');
  await sink?.reset();
  const workers: WorkerProc[] = await Promise.all(
    Array.from({ length: K }, (_, i) =>
      startWorkerProc(benchWorkerVariables(env, sink?.url ?? 'smtp://127.0.0.1:9', { WORKER_ID: `recovery-${i}` }), [], run.root),
    ),
  );
  const connection = createRedisConnection(env.redisUrl, 'worker');
  const queue = createDeliveryQueue(connection, env.queuePrefix);
  try {
    await connection.flushall();
    if (!sink) await queue.pause();
    progress(`${label}: ${K} workers up, Redis flushed; writing ${count} emails due in ${LEAD_SECONDS} s`);
    await bulkInsertEmails(pg, tenantId, count, DUE, `${label} due`);
    const { rows } = await pg.query<{ due: Date }>('SELECT min(due_at) AS due FROM scheduled_email');
    // Same machine, same clock: the moment the emails are overdue by the grace, and may be taken for lost.
    const overdueAt = rows[0]!.due.getTime() + GRACE_MS;
    if (Date.now() > rows[0]!.due.getTime()) progress(`WARNING: writing overran the lead time; raise LEAD_SECONDS`);
    progress(`${label}: waiting for the emails to be overdue (${((overdueAt - Date.now()) / 1000).toFixed(0)} s)`);
    let first: number | null = null;
    const samples: [number, number][] = [];
    for (;;) {
      const done = sink ? await sink.count() : await jobsWaiting(queue);
      const at = Date.now() - overdueAt;
      if (done > 0 && first === null) first = at;
      if (samples.length === 0 || samples.at(-1)![1] !== done) samples.push([at, done]);
      if (done >= count) break;
      if (at > TIMEOUT_MS) {
        throw new Error(`${label}: ${done}/${count} ${sink ? 'sent' : 'jobs back'} ${TIMEOUT_MS} ms after they were overdue; jobs ${JSON.stringify(await queue.getJobCounts())}; a worker's log:\n${workers[0]!.output().slice(-3000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const allMs = Date.now() - overdueAt;
    progress(`${label}: every ${sink ? 'email sent' : 'job back'} ${(allMs / 1000).toFixed(1)} s after the emails were overdue`);
    return {
      emails: count,
      ...(run.root ? { checkout: run.root } : {}),
      [sink ? 'firstSentSeconds' : 'firstJobBackSeconds']: round1((first ?? 0) / 1000),
      [sink ? 'allSentSeconds' : 'allJobsBackSeconds']: round1(allMs / 1000),
      perSecondOnceStarted: Math.round((count * 1000) / Math.max(1, allMs - (first ?? 0))),
      ...(sink ? { duplicates: (await sink.stats()).duplicates } : {}),
      // [ms after overdue, count], whenever it changed: pass by pass progress (at most 40 samples kept).
      progress: samples.length > 40 ? samples.filter((_, i) => i % Math.ceil(samples.length / 40) === 0 || i === samples.length - 1) : samples,
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await queue.close();
    connection.disconnect();
  }
}

/** Sweep passes over `count` overdue emails whose jobs are all waiting: what a delivery backlog costs each pass. */
async function backlogPasses(env: Env, databaseUrl: string, count: number) {
  const db = connectDatabase({ url: databaseUrl, poolSize: 4, statementTimeoutMs: 0 });
  const connection = createRedisConnection(env.redisUrl, 'worker');
  const queue = createDeliveryQueue(connection, env.queuePrefix);
  try {
    const ctx: SweepContext = {
      db, policy, horizonSeconds: 3600, graceMs: GRACE_MS, batchSize: 500,
      enqueue: (targets) => enqueueDeliveries(queue, targets),
      reEnqueue: (targets) => reEnqueueDeliveries(queue, targets),
    };
    const times: number[] = [];
    let reEnqueued = 0;
    for (let i = 0; i < PASSES; i++) {
      const t = performance.now();
      reEnqueued += (await sweepDueEmails(ctx)).reEnqueued;
      times.push(performance.now() - t);
    }
    const pass = percentiles(times);
    return { overdueWithJobs: count, reEnqueued, passMs: pass, emailsCheckedPerSecond: Math.round((count * 1000) / pass.p50) };
  } finally {
    await queue.close();
    connection.disconnect();
    await db.$disconnect();
  }
}

async function main() {
  progress(`recovery: ${N} emails, ${K} workers; then ${COMPARE_N} delivered${COMPARE_DIR ? `, by this checkout and by ${COMPARE_DIR}` : ''}`);
  await withBenchServices('recovery', async ({ database, redis, defer }) => {
    const pg = new Client({ connectionString: database.url });
    await pg.connect();
    defer(() => pg.end());
    const db = connectDatabase({ url: database.url, poolSize: 2 });
    const { tenantId } = await benchTenant(db);
    await db.$disconnect();
    const env: Env = { databaseUrl: database.url, redisUrl: redis.url, queuePrefix: uniqueQueuePrefix() };

    const jobsBack = await recover(env, pg, tenantId, { label: 'jobs back', count: N });
    progress(`backlog: ${PASSES} passes over ${N} overdue emails whose jobs are all waiting`);
    const backlog = await backlogPasses(env, database.url, N);
    progress(`backlog: pass p50 ${backlog.passMs.p50} ms`);
    const sink = await startSinkProcess();
    defer(() => sink.close());
    const delivered = await recover(env, pg, tenantId, { label: 'delivered', count: COMPARE_N, sink });
    const compared = COMPARE_DIR ? await recover(env, pg, tenantId, { label: 'compared', count: COMPARE_N, sink, root: COMPARE_DIR }) : undefined;

    emitResult('recovery', {
      workers: K,
      sweep: { intervalMs: 5000, graceMs: GRACE_MS, batchSize: 500 },
      shape: 'every email due at one instant; seconds count from due + grace',
      jobsBack,
      backlog,
      delivered,
      ...(compared ? { comparedCheckout: compared } : {}),
    });
  });
}

runBenchmark(main);
