import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { connectDatabase } from '@postdate/db/client';
import { createDeliveryQueue, createRedisConnection, enqueueDeliveries } from '@postdate/queue';
import { uniqueQueuePrefix } from '@postdate/test-support';
import { benchTenant, seedEmails } from './support/bench-emails';
import { nextMessage, rssMiB, sampleRss, spawnTs, startWorkerProc, type WorkerProc } from './support/processes';
import { emitResult, envInt, percentiles, progress, ratio, resultsDir, round1, runBenchmark } from './support/report';
import { startSinkProcess, type SinkProc, type SinkStats } from './support/sink-client';
import { withBenchServices } from './support/services';
import { benchWorkerVariables } from './support/worker-env';

// bench:throughput — N due emails, K worker processes, emails/s from first to last SMTP acceptance at a
// counting sink in its own process; the SMTP ceiling (nodemailer pool, K processes) and a Zulip-style
// poller (K processes) are measured the same way, in the same run. BENCH_PROFILE=1 profiles worker 0.

const N = envInt('EMAILS', 5000);
const K = envInt('WORKERS', 2);
const RECIPIENTS = envInt('RECIPIENTS', 3);
const POLLER_LOOPS = envInt('POLLER_LOOPS', 1);
// 0: the sink answers at once (the setting). A real relay takes tens of ms per message.
const SMTP_LATENCY_MS = envInt('SMTP_LATENCY_MS', 0);
const TIMEOUT_MS = envInt('PHASE_TIMEOUT_SECONDS', 300) * 1000;
const PROFILE = process.env.BENCH_PROFILE === '1';
const PHASES = new Set((process.env.PHASES ?? 'ceiling,postdate,poller').split(','));

function rate(stats: SinkStats) {
  const windowMs = (stats.last ?? 0) - (stats.first ?? 0);
  return {
    emailsPerSecond: round1(((stats.count - 1) * 1000) / windowMs),
    windowMs,
    count: stats.count,
    duplicates: stats.duplicates,
  };
}

function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

async function smtpCeiling(sink: SinkProc) {
  await sink.reset();
  const senders = split(N, K).map((count, i) =>
    spawnTs('bench/baselines/nodemailer-sender.ts', {
      SMTP_URL: sink.url,
      COUNT: String(count),
      FIRST_INDEX: String(i * N),
      RECIPIENTS: String(RECIPIENTS),
      SMTP_POOL_SIZE: String(envInt('SMTP_POOL_SIZE', 5)),
    }),
  );
  await Promise.all(senders.map((s) => nextMessage(s, 'ready')));
  const done = senders.map((s) => nextMessage<{ type: 'done'; errors: number }>(s, 'done', TIMEOUT_MS));
  for (const s of senders) s.child.send({ type: 'go' });
  await sink.waitForCount(N, TIMEOUT_MS, (c) => progress(`ceiling: ${c}/${N}`));
  const errors = (await Promise.all(done)).reduce((sum, d) => sum + d.errors, 0);
  await Promise.all(senders.map((s) => s.stop()));
  return { ...rate(await sink.stats()), errors };
}

async function postdate(
  sink: SinkProc,
  env: { databaseUrl: string; redisUrl: string; queuePrefix: string },
  db: ReturnType<typeof connectDatabase>,
  tenantId: bigint,
) {
  await sink.reset();
  const queue = createDeliveryQueue(createRedisConnection(env.redisUrl, 'worker'), env.queuePrefix);
  // Paused while workers start and jobs are added, so the clock starts with every job waiting and every worker up.
  await queue.pause();
  const profileDir = path.join(resultsDir, 'profiles', 'worker');
  const workers: WorkerProc[] = await Promise.all(
    Array.from({ length: K }, (_, i) =>
      startWorkerProc(
        benchWorkerVariables(env, sink.url, { WORKER_ID: `bench-${i}` }),
        // Default file names carry pid and thread id: tsx's loader thread writes a profile of its own.
        PROFILE && i === 0 ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [],
      ),
    ),
  );
  const idleRss = workers.map((w) => round1(rssMiB(w.pid)));
  progress(`postdate: ${K} workers ready (idle RSS ${idleRss.join(', ')} MiB); seeding ${N} emails`);
  const targets = await seedEmails(db, tenantId, N, { recipients: RECIPIENTS, sendAtOf: () => new Date(), firstIndex: N });
  for (let i = 0; i < targets.length; i += 1000) await enqueueDeliveries(queue, targets.slice(i, i + 1000));
  progress(`postdate: ${targets.length} jobs waiting; resuming the queue`);
  const rss = sampleRss(workers.map((w) => w.pid));
  await queue.resume();
  await sink.waitForCount(N, TIMEOUT_MS, (c) => progress(`postdate: ${c}/${N}`));
  const samples = rss.stop();
  const stats = await sink.stats();
  // Lets profile-summary keep only the samples taken while emails were being delivered.
  if (PROFILE) {
    mkdirSync(profileDir, { recursive: true });
    writeFileSync(path.join(profileDir, 'window.json'), JSON.stringify({ first: stats.first, last: stats.last }));
  }
  // Leave time for the last markSent to commit before checking the rows.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const rows = await db.$queryRaw<
    { status: string; n: bigint }[]
  >`SELECT status::text, count(*) AS n FROM scheduled_email GROUP BY status`;
  await Promise.all(workers.map((w) => w.stop()));
  await queue.close();
  const logLines = workers.flatMap((w) =>
    w
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{')),
  );
  const warnings = new Map<string, number>();
  for (const line of logLines) {
    const msg = (JSON.parse(line) as { msg?: string }).msg ?? line;
    warnings.set(msg, (warnings.get(msg) ?? 0) + 1);
  }
  // Steady state: samples from the middle 80% of the delivery window.
  const inWindow = samples.filter(
    (s) => s.t >= stats.first! + 0.1 * (stats.last! - stats.first!) && s.t <= stats.last! - 0.1 * (stats.last! - stats.first!),
  );
  const perWorker = workers.map((_, i) => percentiles(inWindow.map((s) => s.mib[i]!).filter((v) => Number.isFinite(v))));
  return {
    ...rate(stats),
    rows: Object.fromEntries(rows.map((r) => [r.status, Number(r.n)])),
    workerLogLines: Object.fromEntries(warnings),
    rssMiB: { idle: idleRss, steadyP50: perWorker.map((p) => p.p50), steadyMax: perWorker.map((p) => p.max) },
  };
}

async function poller(sink: SinkProc, databaseUrl: string, db: ReturnType<typeof connectDatabase>, tenantId: bigint) {
  await sink.reset();
  await seedEmails(db, tenantId, N, { recipients: RECIPIENTS, sendAtOf: () => new Date(), firstIndex: 2 * N });
  progress(`poller: ${N} emails due; starting ${K} processes × ${POLLER_LOOPS} loop(s)`);
  const pollers = Array.from({ length: K }, () =>
    spawnTs('bench/baselines/zulip-poller.ts', { DATABASE_URL: databaseUrl, SMTP_URL: sink.url, LOOPS: String(POLLER_LOOPS) }),
  );
  await Promise.all(pollers.map((p) => nextMessage(p, 'ready')));
  await sink.waitForCount(N, TIMEOUT_MS, (c) => progress(`poller: ${c}/${N}`));
  const done = pollers.map((p) => nextMessage(p, 'done'));
  for (const p of pollers) p.child.send({ type: 'stop' });
  await Promise.all(done);
  await Promise.all(pollers.map((p) => p.stop()));
  return rate(await sink.stats());
}

async function main() {
  progress(`throughput: N=${N} emails × ${RECIPIENTS} recipients, K=${K} processes${PROFILE ? ', profiling worker 0' : ''}`);
  await withBenchServices('tp', async ({ database, redis, defer }) => {
    const sink = await startSinkProcess(SMTP_LATENCY_MS);
    defer(() => sink.close());
    const db = connectDatabase({ url: database.url, poolSize: 5 });
    defer(() => db.$disconnect());
    const { tenantId } = await benchTenant(db);
    const env = { databaseUrl: database.url, redisUrl: redis.url, queuePrefix: uniqueQueuePrefix() };
    const skipped = { emailsPerSecond: NaN, skipped: true };
    progress('phase 1/3: SMTP ceiling (nodemailer pool → sink)');
    const ceiling = PHASES.has('ceiling') ? await smtpCeiling(sink) : skipped;
    progress(`ceiling: ${ceiling.emailsPerSecond} emails/s`);
    progress('phase 2/3: postdate workers');
    const pd = PHASES.has('postdate') ? await postdate(sink, env, db, tenantId) : skipped;
    progress(`postdate: ${pd.emailsPerSecond} emails/s`);
    progress('phase 3/3: Zulip-style poller');
    const poll = PHASES.has('poller') ? await poller(sink, database.url, db, tenantId) : skipped;
    progress(`poller: ${poll.emailsPerSecond} emails/s`);
    emitResult('throughput', {
      emails: N,
      recipients: RECIPIENTS,
      processes: K,
      workerConcurrency: envInt('WORKER_CONCURRENCY', 20),
      smtpPoolSize: envInt('SMTP_POOL_SIZE', 5),
      pollerLoopsPerProcess: POLLER_LOOPS,
      smtpLatencyMs: SMTP_LATENCY_MS,
      profiled: PROFILE,
      postdate: pd,
      smtpCeiling: ceiling,
      poller: poll,
      ratioToCeiling: ratio(pd.emailsPerSecond, ceiling.emailsPerSecond),
      ratioToPoller: ratio(pd.emailsPerSecond, poll.emailsPerSecond),
    });
  });
}

runBenchmark(main);
