import { connectDatabase } from '@postdate/db/client';
import { createDeliveryQueue, createRedisConnection, enqueueDeliveries } from '@postdate/queue';
import { uniqueQueuePrefix } from '@postdate/test-support';
import { benchTenant, seedEmails } from './support/bench-emails';
import { startWorkerProc, type WorkerProc } from './support/processes';
import { emitResult, envInt, percentiles, progress, round1, runBenchmark } from './support/report';
import { startSinkProcess } from './support/sink-client';
import { withBenchServices } from './support/services';
import { benchWorkerVariables } from './support/worker-env';

// bench:burst — EMAILS (20 000) of one tenant due at the same instant, against a relay that accepts
// RELAY_MAX_PER_SECOND (200) messages a second and answers 454 above that; a second tenant's 10 emails due
// in the middle of the burst. Reports the drain rate against the relay's, lateness, throttling replies,
// attempts per email, and the second tenant's lateness: one tenant's burst must not hold back another's mail.

const N = envInt('EMAILS', 20_000);
const RELAY_RATE = envInt('RELAY_MAX_PER_SECOND', 200);
const SEND_RATE = envInt('SMTP_MAX_PER_SECOND', 190);
const K = envInt('WORKERS', 2);
const OTHER = envInt('OTHER_EMAILS', 10);
// Seeding 20 000 emails takes a while: they are all due this long after the run starts.
const LEAD_S = envInt('LEAD_SECONDS', 90);
const TIMEOUT_MS = envInt('PHASE_TIMEOUT_SECONDS', 600) * 1000;

async function main() {
  progress(`burst: ${N} emails due at once, relay ${RELAY_RATE}/s, SMTP_MAX_PER_SECOND ${SEND_RATE}, ${K} workers`);
  await withBenchServices('burst', async ({ database, redis, defer }) => {
    const sink = await startSinkProcess(0, RELAY_RATE);
    defer(() => sink.close());
    const db = connectDatabase({ url: database.url, poolSize: 5 });
    defer(() => db.$disconnect());
    const burst = await benchTenant(db, 'burst');
    const other = await benchTenant(db, 'other');
    const env = { databaseUrl: database.url, redisUrl: redis.url, queuePrefix: uniqueQueuePrefix() };
    const queue = createDeliveryQueue(createRedisConnection(redis.url, 'worker'), env.queuePrefix);
    defer(() => queue.close());

    const dueAt = new Date(Date.now() + LEAD_S * 1000);
    const otherDueAt = new Date(dueAt.getTime() + ((N / RELAY_RATE) * 1000) / 2);
    const targets = await seedEmails(db, burst.tenantId, N, { recipients: 1, sendAtOf: () => dueAt, onBatch: (n) => n % 5000 === 0 && progress(`seeded ${n}`) });
    for (let i = 0; i < targets.length; i += 1000) await enqueueDeliveries(queue, targets.slice(i, i + 1000));
    const otherTargets = await seedEmails(db, other.tenantId, OTHER, { recipients: 1, sendAtOf: () => otherDueAt, firstIndex: N });
    await enqueueDeliveries(queue, otherTargets);
    const workers: WorkerProc[] = await Promise.all(
      Array.from({ length: K }, (_, i) => startWorkerProc(benchWorkerVariables(env, sink.url, { WORKER_ID: `burst-${i}`, SMTP_MAX_PER_SECOND: String(SEND_RATE) }))),
    );
    defer(() => Promise.all(workers.map((w) => w.stop())));
    const wait = dueAt.getTime() - Date.now();
    if (wait < 0) throw new Error(`seeding took longer than LEAD_SECONDS (${LEAD_S}): raise it`);
    progress(`${N + OTHER} jobs delayed; due in ${Math.round(wait / 1000)} s`);
    await sink.waitForCount(N + OTHER, TIMEOUT_MS + wait, (c) => progress(`${c}/${N + OTHER} accepted`));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const stats = await sink.stats();

    const lateness = async (tenantId: bigint) =>
      (await db.$queryRaw<{ ms: number }[]>`
        SELECT extract(epoch FROM sent_at - send_at) * 1000 AS ms FROM scheduled_email WHERE tenant_id = ${tenantId} AND status = 'sent'`).map((r) => Number(r.ms));
    const statuses = await db.$queryRaw<{ status: string; n: bigint }[]>`SELECT status::text, count(*) AS n FROM scheduled_email GROUP BY status`;
    const [attempts] = await db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM delivery_attempt`;
    const windowMs = stats.last! - stats.first!;
    const drainRate = round1(((stats.count - 1) * 1000) / windowMs);
    const burstLateness = percentiles(await lateness(burst.tenantId));
    const otherLateness = percentiles(await lateness(other.tenantId));
    emitResult('burst', {
      emails: N,
      otherTenantEmails: OTHER,
      relayMaxPerSecond: RELAY_RATE,
      smtpMaxPerSecond: SEND_RATE,
      workers: K,
      drainSeconds: round1(windowMs / 1000),
      drainRatePerSecond: drainRate,
      ratioToRelayRate: round1((drainRate / RELAY_RATE) * 1000) / 1000,
      latenessMs: { p50: burstLateness.p50, p99: burstLateness.p99, max: burstLateness.max },
      otherTenantLatenessMs: { p50: otherLateness.p50, p99: otherLateness.p99, max: otherLateness.max },
      throttleReplies: stats.throttled,
      attemptsPerEmail: round1((Number(attempts!.n) / (N + OTHER)) * 1000) / 1000,
      duplicates: stats.duplicates,
      rows: Object.fromEntries(statuses.map((r) => [r.status, Number(r.n)])),
      targets: { drainRatio: 0.9, attemptsPerEmail: 1.05, otherTenantP99Ms: 5000, failed: 0 },
    });
  });
}

runBenchmark(main);
