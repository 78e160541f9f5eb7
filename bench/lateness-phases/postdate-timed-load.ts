import type { Client } from 'pg';
import { createDeliveryQueue, createRedisConnection, enqueueDeliveries } from '@postdate/queue';
import { uniqueQueuePrefix } from '@postdate/test-support';
import { benchTenant, seedEmails } from '../support/bench-emails';
import { cpuPerEmail } from '../support/cpu-meter';
import { deliveryRate, statusesOf, type DeliveryBench, type PhaseSize } from '../support/delivery-bench';
import { startWorkerProc, type WorkerProc } from '../support/processes';
import { sampleRedisMemory } from '../support/redis-memory-sampler';
import { envInt, percentiles, progress, round1 } from '../support/report';
import { benchWorkerVariables } from '../support/worker-env';
import { insertDueEmails } from './insert-due-emails';
import { latenessByDueTenth, type TimedLoad } from './timed-load';

/**
 * postdate under a timed load: K warm workers (WARMUP_EMAILS delivered first, reported apart), then the
 * load's emails written with their recipients and their delayed jobs added as the API would, all due
 * `leadMs` ahead (at one instant, or spread). Reports the drain rate at the sink, lateness (acceptance −
 * sendAt), Redis' peak memory while the jobs wait and drain, and CPU per email by component.
 */
export async function postdateTimedLoadPhase(bench: DeliveryBench, pg: Client, size: PhaseSize, load: TimedLoad, label: string) {
  const { sink, db } = bench;
  await sink.reset();
  const queuePrefix = uniqueQueuePrefix();
  const queue = createDeliveryQueue(createRedisConnection(bench.redisUrl, 'worker'), queuePrefix);
  const env = { databaseUrl: bench.databaseUrl, redisUrl: bench.redisUrl, queuePrefix };
  const workers: WorkerProc[] = [];
  try {
    workers.push(...(await Promise.all(Array.from({ length: size.workers }, (_, i) => startWorkerProc(benchWorkerVariables(env, sink.url, { WORKER_ID: `${label}-${i}` }))))));
    // A running service's workers are warm (JIT, pools, SMTP connections): a cold start is reported apart.
    const warmup = envInt('WARMUP_EMAILS', 200);
    const { tenantId: warmTenant } = await benchTenant(db, `${label}-warm-${queuePrefix}`);
    await enqueueDeliveries(queue, await seedEmails(db, warmTenant, warmup, { recipients: size.recipients, sendAtOf: () => new Date() }));
    await sink.waitForCount(warmup, size.timeoutMs);
    const coldStart = percentiles((await sink.stats()).lateness);
    await sink.reset();

    const { tenantId } = await benchTenant(db, `${label}-${queuePrefix}`);
    const memory = await sampleRedisMemory(bench.redisUsedMemory);
    const seedStarted = performance.now();
    const firstDueAt = Date.now() + load.leadMs;
    const targets = await insertDueEmails(pg, tenantId, { emails: load.emails, recipients: size.recipients, firstDueAt, spreadMs: load.spreadMs });
    const insertSeconds = round1((performance.now() - seedStarted) / 1000);
    for (let i = 0; i < targets.length; i += 1000) await enqueueDeliveries(queue, targets.slice(i, i + 1000));
    const seedSeconds = round1((performance.now() - seedStarted) / 1000);
    const slackMs = firstDueAt - Date.now();
    progress(`${label}: ${load.emails} emails written in ${insertSeconds} s, jobs added by ${seedSeconds} s, ${round1(slackMs / 1000)} s before the first is due`);
    if (slackMs < 0) progress(`WARNING: ${label}: seeding overran the lead time by ${-slackMs} ms; raise LEAD_SECONDS`);
    if (slackMs > 200) await new Promise((resolve) => setTimeout(resolve, slackMs - 200));
    const meter = bench.meter(workers.map((w) => w.pid));
    await sink.waitForCount(load.emails, size.timeoutMs + load.spreadMs, (c) => progress(`${label}: ${c}/${load.emails}`));
    const cpu = meter.stop();
    const redisMemory = await memory.stop();
    const stats = await sink.stats();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return {
      ...deliveryRate(stats),
      cpuMsPerEmail: cpuPerEmail(cpu, load.emails),
      latenessMs: percentiles(stats.lateness),
      meanLatenessByDueTenth: latenessByDueTenth(stats.dueAndAccepted),
      redisMemory: { ...redisMemory, bytesPerEmailAtPeak: Math.round((redisMemory.peakBytes - redisMemory.beforeBytes) / load.emails) },
      seed: { insertSeconds, seedSeconds, slackMs, valid: slackMs >= 0 },
      warmupLatenessMs: { n: coldStart.n, p50: coldStart.p50, max: coldStart.max },
      rows: await statusesOf(db, tenantId),
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await queue.close();
  }
}
