import { Client } from 'pg';
import { inTransaction } from '@postdate/db';
import { connectDatabase } from '@postdate/db/client';
import {
  findOverdueEmails,
  promoteToHorizon,
  recoverExpiredLeases,
  sweepDueEmails,
  type DeliveryPolicy,
  type SweepContext,
} from '@postdate/domain';
import { createDeliveryQueue, createRedisConnection, enqueueDeliveries, reEnqueueDeliveries } from '@postdate/queue';
import { uniqueQueuePrefix } from '@postdate/test-support';
import { benchTenant } from './support/bench-emails';
import { bulkInsertEmails, type BulkShape } from './support/bulk-emails';
import { retentionStage } from './support/retention-stage';
import { emitResult, envInt, percentiles, progress, round1, runBenchmark } from './support/report';
import { withBenchServices } from './support/services';

// bench:scale — SCALE_ROWS scheduled emails over 30 days through a bulk SQL path, then: insert time, Redis
// memory (only the horizon is in Redis), table/index sizes, and the sweeper's time per pass at SMALL_ROWS,
// at SCALE_ROWS, and at SCALE_ROWS plus HISTORY_ROWS sent emails. The baseline for Redis memory is the same
// schedule kept entirely in Redis as delayed jobs, extrapolated from JOB_SAMPLE jobs. Stage 4: retention
// (30 days) while RETENTION_SIM_DAYS simulated days of sending go by, RETENTION_STEP_DAYS at a time: the
// history tables' size at steady state, and what deleting costs (support/retention-stage.ts).

const SMALL = envInt('SMALL_ROWS', 10_000);
const ROWS = envInt('SCALE_ROWS', 1_000_000);
const HISTORY = envInt('HISTORY_ROWS', ROWS);
const PASSES = envInt('SWEEP_PASSES', 20);
const JOB_SAMPLE = envInt('JOB_SAMPLE', 20_000);
const HORIZON_S = envInt('ENQUEUE_HORIZON_SECONDS', 3600);
const DAYS = 30;
const SIM_DAYS = envInt('RETENTION_SIM_DAYS', 30);
const STEP_DAYS = envInt('RETENTION_STEP_DAYS', 3);

const policy: DeliveryPolicy = {
  leaseSeconds: 120,
  maxSendSeconds: 600,
  maxAttempts: 8,
  retryBaseSeconds: 30,
  retryMaxSeconds: 3600,
  leaseRecovery: 'at-least-once',
};

/** Scheduled: due from 2 min ahead to 30 days ahead, evenly, not yet in Redis (the sweeper promotes them). */
const SCHEDULE: BulkShape = {
  status: 'scheduled',
  dueAt: `now() + interval '2 minutes' + ((done + g)::float8 / total) * interval '${DAYS} days'`,
  queued: false,
};
/** Sent: due, sent and finished over the past 30 days. */
const HISTORY_SHAPE: BulkShape = { status: 'sent', dueAt: `now() - ((done + g)::float8 / total) * interval '${DAYS} days'`, queued: true };

async function sizes(pg: Client) {
  const { rows } = await pg.query<{ name: string; bytes: string }>(
    `SELECT c.relname AS name, pg_relation_size(c.oid) AS bytes FROM pg_class c
     WHERE c.relname IN ('scheduled_email', 'recipient') OR c.oid IN (
       SELECT indexrelid FROM pg_index WHERE indrelid IN ('scheduled_email'::regclass, 'recipient'::regclass))
     ORDER BY c.relname`,
  );
  const totals = await pg.query<{ email: string; recipient: string; email_idx: string; recipient_idx: string }>(
    `SELECT pg_total_relation_size('scheduled_email') AS email, pg_total_relation_size('recipient') AS recipient,
            pg_indexes_size('scheduled_email') AS email_idx, pg_indexes_size('recipient') AS recipient_idx`,
  );
  const mib = (b: string | number) => round1(Number(b) / 1048576);
  const t = totals.rows[0]!;
  return {
    totalMiB: { scheduledEmail: mib(t.email), recipient: mib(t.recipient) },
    indexesMiB: { scheduledEmail: mib(t.email_idx), recipient: mib(t.recipient_idx) },
    relationsMiB: Object.fromEntries(rows.map((r) => [r.name, mib(r.bytes)])),
  };
}

/** EXPLAIN (ANALYZE, BUFFERS) of the sweeper's three statements, rolled back: buffers touched do not depend on machine load. */
async function explainSweep(pg: Client) {
  const statements: Record<string, string> = {
    // Same SQL as packages/domain/src/delivery/{recover-expired-leases,promote-to-horizon,find-overdue-emails}.ts.
    recoverExpiredLeases: `UPDATE scheduled_email e SET status = 'scheduled', lease_until = NULL, due_at = now(), queued = true, updated_at = now()
      FROM (SELECT id FROM scheduled_email WHERE status = 'sending' AND lease_until < now() ORDER BY lease_until LIMIT 500 FOR UPDATE SKIP LOCKED) expired
      WHERE e.id = expired.id RETURNING e.id`,
    promoteToHorizon: `UPDATE scheduled_email e SET queued = true
      FROM (SELECT id FROM scheduled_email WHERE status = 'scheduled' AND NOT queued AND due_at <= now() + make_interval(secs => ${HORIZON_S})
            ORDER BY due_at LIMIT 500 FOR UPDATE SKIP LOCKED) entering
      WHERE e.id = entering.id RETURNING e.id`,
    findOverdueEmails: `SELECT id FROM scheduled_email WHERE status = 'scheduled' AND due_at < now() - make_interval(secs => 30)
      ORDER BY due_at, id LIMIT 500 FOR UPDATE SKIP LOCKED`,
  };
  const out: Record<string, { ms: number; sharedHit: number; sharedRead: number; plan: string }> = {};
  for (const [name, sql] of Object.entries(statements)) {
    await pg.query('BEGIN');
    const { rows } = await pg.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`);
    await pg.query('ROLLBACK');
    const plan = (rows[0]!['QUERY PLAN'] as { Plan: Record<string, unknown>; 'Execution Time': number }[])[0]!;
    const nodeTypes: string[] = [];
    const walk = (node: Record<string, unknown>) => {
      nodeTypes.push(`${node['Node Type']}${node['Index Name'] ? `(${node['Index Name']})` : ''}`);
      for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
    };
    walk(plan.Plan);
    out[name] = {
      ms: round1(plan['Execution Time']),
      sharedHit: Number(plan.Plan['Shared Hit Blocks']),
      sharedRead: Number(plan.Plan['Shared Read Blocks']),
      plan: nodeTypes.join(' > '),
    };
  }
  return out;
}

async function main() {
  progress(
    `scale: ${SMALL} then ${ROWS} scheduled emails over ${DAYS} days, then ${HISTORY} sent; ${PASSES} sweep passes per stage`,
  );
  await withBenchServices('scale', async ({ database, redis, redisUsedMemory, defer }) => {
    const pg = new Client({ connectionString: database.url });
    await pg.connect();
    defer(() => pg.end());
    // No statement timeout: the bulk loads and VACUUM run long by design.
    const db = connectDatabase({ url: database.url, poolSize: 4, statementTimeoutMs: 0 });
    defer(() => db.$disconnect());
    const connection = createRedisConnection(redis.url, 'worker');
    defer(() => connection.disconnect());
    const queue = createDeliveryQueue(connection, uniqueQueuePrefix());
    defer(() => queue.close());
    const sweepCtx: SweepContext = {
      db,
      policy,
      horizonSeconds: HORIZON_S,
      graceMs: 30_000,
      batchSize: 500,
      enqueue: (targets) => enqueueDeliveries(queue, targets),
      reEnqueue: (targets) => reEnqueueDeliveries(queue, targets),
    };
    const { tenantId } = await benchTenant(db);
    const redisEmpty = await redisUsedMemory();

    const measure = async (label: string) => {
      // Drain: promote everything entering the horizon, as the running sweeper would have.
      let promoted = 0;
      for (;;) {
        const report = await sweepDueEmails(sweepCtx);
        promoted += report.promoted;
        if (report.promoted === 0) break;
      }
      const pass: number[] = [];
      const perQuery = {
        recoverExpiredLeases: [] as number[],
        promoteToHorizon: [] as number[],
        findOverdueEmails: [] as number[],
      };
      for (let i = 0; i < PASSES; i++) {
        let t = performance.now();
        await sweepDueEmails(sweepCtx);
        pass.push(performance.now() - t);
        t = performance.now();
        await inTransaction(db, (tx) => recoverExpiredLeases(tx, policy, 500));
        perQuery.recoverExpiredLeases.push(performance.now() - t);
        t = performance.now();
        await inTransaction(db, (tx) => promoteToHorizon(tx, HORIZON_S, 500));
        perQuery.promoteToHorizon.push(performance.now() - t);
        t = performance.now();
        await findOverdueEmails(db, 30_000, 500);
        perQuery.findOverdueEmails.push(performance.now() - t);
      }
      const counts = await pg.query<{ status: string; n: string }>(
        `SELECT status::text, count(*) AS n FROM scheduled_email GROUP BY status ORDER BY status`,
      );
      const inRedis = await queue.getDelayedCount();
      const result = {
        rows: Object.fromEntries(counts.rows.map((r) => [r.status, Number(r.n)])),
        promotedIntoHorizon: promoted,
        delayedJobsInRedis: inRedis,
        redisUsedMiB: round1((await redisUsedMemory()) / 1048576),
        redisAboveEmptyMiB: round1(((await redisUsedMemory()) - redisEmpty) / 1048576),
        sweepPassMs: percentiles(pass),
        perQueryMs: Object.fromEntries(Object.entries(perQuery).map(([k, v]) => [k, percentiles(v).p50])),
        explain: await explainSweep(pg),
        sizes: await sizes(pg),
      };
      progress(`${label}: sweep pass p50 ${result.sweepPassMs.p50} ms; ${inRedis} jobs in Redis (${result.redisUsedMiB} MiB)`);
      return result;
    };

    progress(`stage 1: ${SMALL} scheduled`);
    const smallInsertS = await bulkInsertEmails(pg, tenantId, SMALL, SCHEDULE);
    const small = await measure('small');
    progress(`stage 2: +${ROWS - SMALL} scheduled (to ${ROWS})`);
    const largeInsertS = await bulkInsertEmails(pg, tenantId, ROWS - SMALL, SCHEDULE);
    const large = await measure('large');
    progress(`stage 3: +${HISTORY} sent`);
    const historyInsertS = await bulkInsertEmails(pg, tenantId, HISTORY, HISTORY_SHAPE);
    const withHistory = await measure('with history');
    progress(`stage 4: retention of ${DAYS} days over ${SIM_DAYS} simulated days, ${STEP_DAYS} at a time`);
    const retention = await retentionStage(pg, db, tenantId, { historyRows: HISTORY, retentionDays: DAYS, stepDays: STEP_DAYS, simDays: SIM_DAYS, batchSize: 500 });

    // Baseline for memory: the same schedule held in Redis as delayed jobs (what a queue-only design does).
    const sampleQueue = createDeliveryQueue(connection, uniqueQueuePrefix());
    const before = await redisUsedMemory();
    for (let i = 0; i < JOB_SAMPLE; i += 1000) {
      await enqueueDeliveries(
        sampleQueue,
        Array.from({ length: Math.min(1000, JOB_SAMPLE - i) }, (_, k) => ({
          emailId: String(10_000_000 + i + k),
          createdAt: new Date(),
          tenantId: tenantId.toString(),
          version: 1,
          attempts: 0,
          dueAt: new Date(Date.now() + 86_400_000 + (i + k) * 1000),
        })),
      );
    }
    const bytesPerJob = ((await redisUsedMemory()) - before) / JOB_SAMPLE;
    await sampleQueue.obliterate({ force: true });
    await sampleQueue.close();

    emitResult('scale', {
      scheduledRows: ROWS,
      smallRows: SMALL,
      historyRows: HISTORY,
      horizonSeconds: HORIZON_S,
      sweepPasses: PASSES,
      insert: {
        method: 'INSERT … SELECT generate_series with data-modifying CTEs for recipients, attempts and events, 100k rows per statement',
        smallSeconds: round1(smallInsertS),
        scheduledSeconds: round1(largeInsertS),
        scheduledRowsPerSecond: Math.round((ROWS - SMALL) / largeInsertS),
        historySeconds: round1(historyInsertS),
      },
      small,
      large,
      withHistory,
      retention,
      allInRedisBaseline: {
        bytesPerDelayedJob: Math.round(bytesPerJob),
        extrapolatedMiBFor: ROWS,
        mib: round1((bytesPerJob * ROWS) / 1048576),
      },
      sweepPassRatioLargeToSmall: round1(large.sweepPassMs.p50 / small.sweepPassMs.p50),
      sweepPassRatioHistoryToSmall: round1(withHistory.sweepPassMs.p50 / small.sweepPassMs.p50),
    });
  });
}

runBenchmark(main);
