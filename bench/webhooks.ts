import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { connectDatabase } from '@postdate/db/client';
import { createWebhookEndpoint } from '@postdate/domain';
import { createDeliveryQueue, createRedisConnection, enqueueDeliveries } from '@postdate/queue';
import { uniqueQueuePrefix } from '@postdate/test-support';
import { benchTenant, seedEmails } from './support/bench-emails';
import { cpuMs, machineBusyMs, startWorkerProc, type WorkerProc } from './support/processes';
import { startReceiverProcess, type ReceiverProc } from './support/receiver-client';
import { emitResult, envInt, percentiles, progress, ratio, resultsDir, round1, runBenchmark } from './support/report';
import { startSinkProcess, type SinkProc } from './support/sink-client';
import { withBenchServices } from './support/services';
import { benchWorkerVariables } from './support/worker-env';

// bench:webhooks — N due emails delivered by K worker processes, once for a tenant with no webhook endpoint
// and once for a tenant whose endpoint subscribes to email.sent (a receiver in its own process, answering
// 204 at once), ROUNDS times in alternating order: the email throughput of both in the same run (the cost of
// the webhook path to email delivery), and for the second the webhooks' events/s and their lag, from the
// event's creation to its arrival at the receiver.

const N = envInt('EMAILS', 5000);
const K = envInt('WORKERS', 2);
const RECIPIENTS = envInt('RECIPIENTS', 3);
const ROUNDS = envInt('ROUNDS', 2);
const WEBHOOK_CONCURRENCY = envInt('WEBHOOK_CONCURRENCY', 50);
const TIMEOUT_MS = envInt('PHASE_TIMEOUT_SECONDS', 300) * 1000;
// BENCH_PROFILE=1: worker 0 of each phase with an endpoint runs under --cpu-prof (summary: bench/profile-summary.ts).
const PROFILE = process.env.BENCH_PROFILE === '1';
const profileDir = path.join(resultsDir, 'profiles', 'webhooks');

type Env = { databaseUrl: string; redisUrl: string; queuePrefix: string };

async function phase(withEndpoint: boolean, round: number, ctx: { sink: SinkProc; receiver: ReceiverProc; env: Env; db: ReturnType<typeof connectDatabase> }) {
  const { sink, receiver, env, db } = ctx;
  const label = `${withEndpoint ? 'with' : 'without'} endpoint, round ${round}`;
  await Promise.all([sink.reset(), receiver.reset()]);
  const { tenantId } = await benchTenant(db, `bench-${withEndpoint ? 'hooked' : 'plain'}-${round}`);
  if (withEndpoint) {
    await createWebhookEndpoint(db, tenantId, { url: receiver.url, events: ['email.sent'], enabled: true }, { allowHttp: true, allowPrivate: true });
  }
  const queue = createDeliveryQueue(createRedisConnection(env.redisUrl, 'worker'), env.queuePrefix);
  await queue.pause();
  const profiled = (i: number) => (PROFILE && withEndpoint && i === 0 ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []);
  const workers: WorkerProc[] = await Promise.all(
    Array.from({ length: K }, (_, i) => startWorkerProc(benchWorkerVariables(env, sink.url, { WORKER_ID: `bench-${i}`, WEBHOOK_CONCURRENCY: String(WEBHOOK_CONCURRENCY) }), profiled(i))),
  );
  const targets = await seedEmails(db, tenantId, N, { recipients: RECIPIENTS, sendAtOf: () => new Date(), firstIndex: round * 10 * N + (withEndpoint ? N : 0) });
  for (let i = 0; i < targets.length; i += 1000) await enqueueDeliveries(queue, targets.slice(i, i + 1000));
  progress(`${label}: ${N} jobs waiting, ${K} workers up; resuming`);
  const cpuBefore = workers.map((w) => cpuMs(w.pid));
  const busyBefore = machineBusyMs();
  await queue.resume();
  await sink.waitForCount(N, TIMEOUT_MS, (c) => progress(`${label}: ${c}/${N} emails`));
  if (withEndpoint) await receiver.waitForCount(N, TIMEOUT_MS, (c) => progress(`${label}: ${c}/${N} webhooks`));
  const cpu = workers.reduce((sum, w, i) => sum + cpuMs(w.pid) - cpuBefore[i]!, 0);
  const busy = machineBusyMs() - busyBefore;
  const [mail, hooks] = await Promise.all([sink.stats(), receiver.stats()]);
  if (PROFILE && withEndpoint) {
    // Lets profile-summary keep only the samples taken while emails and webhooks were flowing.
    mkdirSync(profileDir, { recursive: true });
    writeFileSync(path.join(profileDir, 'window.json'), JSON.stringify({ first: mail.first, last: Math.max(mail.last ?? 0, hooks.last ?? 0) }));
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  const rows = await db.$queryRaw<{ status: string; n: bigint }[]>`
    SELECT d.status::text, count(*) AS n FROM webhook_delivery d WHERE d.tenant_id = ${tenantId} GROUP BY d.status`;
  await Promise.all(workers.map((w) => w.stop()));
  await queue.close();

  const emailsPerSecond = round1(((mail.count - 1) * 1000) / ((mail.last ?? 0) - (mail.first ?? 0)));
  const result = {
    emailsPerSecond,
    emails: mail.count,
    // CPU per email while the phase ran, until its last webhook arrived: the workers', and the whole machine's.
    workerCpuMsPerEmail: round1(cpu / N),
    machineBusyMsPerEmail: round1(busy / N),
    ...(withEndpoint
      ? {
          webhooks: hooks.count,
          duplicateWebhooks: hooks.count - hooks.distinct,
          webhooksPerSecond: round1(((hooks.count - 1) * 1000) / ((hooks.last ?? 0) - (hooks.first ?? 0))),
          lagMs: percentiles(hooks.lagMs),
          // After the last email was accepted, how long until the last webhook arrived.
          tailMs: (hooks.last ?? 0) - (mail.last ?? 0),
          deliveries: Object.fromEntries(rows.map((r) => [r.status, Number(r.n)])),
        }
      : {}),
  };
  progress(`${label}: ${JSON.stringify(result)}`);
  return result;
}

/**
 * The webhook path alone: N events of one tenant redelivered at once to the receiver, one worker, no email
 * being sent. Its CPU per webhook is the cost the phases above add to email delivery.
 */
async function alone(ctx: { receiver: ReceiverProc; env: Env; db: ReturnType<typeof connectDatabase>; smtpUrl: string }) {
  const { receiver, env, db } = ctx;
  await receiver.reset();
  const { tenantId } = await benchTenant(db, 'bench-alone');
  await seedEmails(db, tenantId, N, { recipients: 1, sendAtOf: () => new Date(Date.now() + 86_400_000), firstIndex: 100 * N });
  // Registered after the events were written, so none was fanned out: the INSERT below makes them all at once.
  await createWebhookEndpoint(db, tenantId, { url: receiver.url, events: ['email.scheduled'], enabled: true }, { allowHttp: true, allowPrivate: true });
  const worker = await startWorkerProc(benchWorkerVariables(env, ctx.smtpUrl, { WORKER_ID: 'bench-alone', WEBHOOK_CONCURRENCY: String(WEBHOOK_CONCURRENCY) }));
  const before = cpuMs(worker.pid);
  const started = Date.now();
  await db.$executeRaw`
    INSERT INTO webhook_delivery (tenant_id, event_id, endpoint_id)
    SELECT e.tenant_id, e.id, w.id FROM event e JOIN webhook_endpoint w ON w.tenant_id = e.tenant_id WHERE e.tenant_id = ${tenantId}`;
  await receiver.waitForCount(N, TIMEOUT_MS, (c) => progress(`webhook path alone: ${c}/${N}`));
  const cpu = cpuMs(worker.pid) - before;
  const elapsed = Date.now() - started;
  const metrics = await (await fetch(`http://127.0.0.1:${worker.probePort}/metrics`)).text();
  const batches = (statement: string) => Number(new RegExp(`statement_batch_size_count\\{statement="${statement}"\\} (\\d+)`).exec(metrics)?.[1]);
  await worker.stop();
  const result = {
    webhooksPerSecond: round1((N * 1000) / elapsed),
    workerCpuMsPerWebhook: round1((cpu / N) * 100) / 100,
    claimsPerStatement: round1(N / batches('webhook_claim')),
    recordsPerStatement: round1(N / batches('webhook_record')),
  };
  progress(`webhook path alone: ${JSON.stringify(result)}`);
  return result;
}

async function main() {
  progress(`webhooks: N=${N} emails × ${RECIPIENTS} recipients, K=${K} worker processes, ${ROUNDS} round(s)`);
  await withBenchServices('wh', async ({ database, redis, defer }) => {
    const sink = await startSinkProcess(0);
    defer(() => sink.close());
    const receiver = await startReceiverProcess();
    defer(() => receiver.close());
    const db = connectDatabase({ url: database.url, poolSize: 5 });
    defer(() => db.$disconnect());
    const env = { databaseUrl: database.url, redisUrl: redis.url, queuePrefix: uniqueQueuePrefix() };
    const without: Awaited<ReturnType<typeof phase>>[] = [];
    const withHooks: Awaited<ReturnType<typeof phase>>[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      // Alternating order, so a machine that drifts during the run favours neither.
      const order = round % 2 === 1 ? [false, true] : [true, false];
      for (const hooked of order) (hooked ? withHooks : without).push(await phase(hooked, round, { sink, receiver, env, db }));
    }
    const webhookPathAlone = await alone({ receiver, env, db, smtpUrl: sink.url });
    const mean = (values: number[]) => round1(values.reduce((a, b) => a + b, 0) / values.length);
    const plainRate = mean(without.map((r) => r.emailsPerSecond));
    const hookedRate = mean(withHooks.map((r) => r.emailsPerSecond));
    emitResult('webhooks', {
      emails: N,
      recipients: RECIPIENTS,
      processes: K,
      rounds: ROUNDS,
      workerConcurrency: envInt('WORKER_CONCURRENCY', 20),
      webhookConcurrency: WEBHOOK_CONCURRENCY,
      withoutEndpoint: without,
      withEndpoint: withHooks,
      emailsPerSecond: { withoutEndpoint: plainRate, withEndpoint: hookedRate },
      emailThroughputRatio: ratio(hookedRate, plainRate),
      webhooksPerSecond: mean(withHooks.map((r) => r.webhooksPerSecond ?? NaN)),
      lagP50Ms: Math.max(...withHooks.map((r) => r.lagMs?.p50 ?? NaN)),
      lagP99Ms: Math.max(...withHooks.map((r) => r.lagMs?.p99 ?? NaN)),
      webhookPathAlone,
    });
  });
}

runBenchmark(main);
