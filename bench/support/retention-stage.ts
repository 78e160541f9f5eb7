import type { Client } from 'pg';
import type { Database } from '@postdate/db/client';
import { deleteExpiredEmails } from '@postdate/domain';
import { bulkInsertEmails } from './bulk-emails';
import { percentiles, progress, round1 } from './report';

// bench:scale's retention stage: with `historyRows` sent emails spread over the retention window (stage 3),
// time moves on in steps of `stepDays` simulated days. Each step writes that many days of new sent emails
// (historyRows / retentionDays a day), runs retention (deleteExpiredEmails, batches of `batchSize`, until it
// finds nothing old enough), then VACUUMs as autovacuum would in that time, and measures the history tables.
// The clock is simulated: day k's emails finish k days from now, and day k's cutoff (now − retention, seen
// from day k) is now + (k − retention) days, i.e. retentionDays − k passed as the retention.

const HISTORY_TABLES = ['scheduled_email', 'recipient', 'delivery_attempt', 'event'] as const;

/** Total size (heap, indexes, TOAST) of each table emails own, in MiB. */
export async function historySizes(pg: Client): Promise<Record<(typeof HISTORY_TABLES)[number] | 'all', number>> {
  const { rows } = await pg.query<{ name: string; bytes: string }>(
    `SELECT relname AS name, pg_total_relation_size(oid) AS bytes FROM pg_class WHERE relname = ANY($1) AND relkind = 'r'`,
    [HISTORY_TABLES],
  );
  const mib = Object.fromEntries(rows.map((r) => [r.name, round1(Number(r.bytes) / 1048576)]));
  return { ...(mib as Record<(typeof HISTORY_TABLES)[number], number>), all: round1(rows.reduce((sum, r) => sum + Number(r.bytes), 0) / 1048576) };
}

/** EXPLAIN (ANALYZE, BUFFERS) of the retention scan, rolled back: what a pass with nothing old enough reads. */
async function explainRetentionScan(pg: Client, retentionDays: number) {
  await pg.query('BEGIN');
  const { rows } = await pg.query<{ 'QUERY PLAN': { Plan: Record<string, unknown>; 'Execution Time': number }[] }>(
    // The scan of packages/domain/src/retention/delete-expired-emails.ts.
    `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT id FROM scheduled_email s
     WHERE status IN ('sent', 'failed', 'canceled') AND updated_at < now() - make_interval(days => ${retentionDays})
       AND NOT EXISTS (SELECT 1 FROM event ev JOIN webhook_delivery wd ON wd.event_id = ev.id
                       WHERE ev.email_id = s.id AND wd.status IN ('pending', 'delivering'))
     ORDER BY updated_at LIMIT 500 FOR UPDATE SKIP LOCKED`,
  );
  await pg.query('ROLLBACK');
  const plan = rows[0]!['QUERY PLAN'][0]!;
  return { ms: round1(plan['Execution Time']), sharedHit: Number(plan.Plan['Shared Hit Blocks']), sharedRead: Number(plan.Plan['Shared Read Blocks']) };
}

export async function retentionStage(
  pg: Client,
  db: Database,
  tenantId: bigint,
  options: { historyRows: number; retentionDays: number; stepDays: number; simDays: number; batchSize: number },
) {
  const { historyRows, retentionDays, stepDays, simDays, batchSize } = options;
  const perDay = Math.round(historyRows / retentionDays);
  const before = await historySizes(pg);
  const idle = await explainRetentionScan(pg, retentionDays);
  const steps = [];
  const batchMs: number[] = [];
  for (let day = stepDays; day <= simDays; day += stepDays) {
    const shape = { status: 'sent', queued: true, dueAt: `now() + make_interval(days => ${day - stepDays}) + ((done + g)::float8 / total) * make_interval(days => ${stepDays})` } as const;
    await bulkInsertEmails(pg, tenantId, perDay * stepDays, shape, `day ${day}: sent`);
    let deleted = 0;
    const started = performance.now();
    for (;;) {
      const t = performance.now();
      const n = await deleteExpiredEmails(db, retentionDays - day, batchSize);
      if (n === batchSize) batchMs.push(performance.now() - t);
      deleted += n;
      if (n < batchSize) break;
    }
    const deleteSeconds = (performance.now() - started) / 1000;
    await pg.query(`VACUUM (ANALYZE) ${HISTORY_TABLES.join(', ')}`);
    const { rows } = await pg.query<{ n: string }>(`SELECT count(*) AS n FROM scheduled_email WHERE status = 'sent'`);
    const step = { day, inserted: perDay * stepDays, deleted, deleteSeconds: round1(deleteSeconds), sentRows: Number(rows[0]!.n), sizesMiB: await historySizes(pg) };
    progress(`retention day ${day}: +${step.inserted} −${deleted} in ${step.deleteSeconds} s; ${step.sentRows} sent rows, ${step.sizesMiB.all} MiB`);
    steps.push(step);
  }
  const last = steps.at(-1)!;
  return {
    retentionDays,
    emailsPerDay: perDay,
    stepDays,
    scanWithNothingToDelete: idle,
    sizesMiBBefore: before,
    steps,
    batchOf500Ms: percentiles(batchMs),
    emailsDeletedPerSecond: Math.round((steps.reduce((sum, s) => sum + s.deleted, 0)) / steps.reduce((sum, s) => sum + s.deleteSeconds, 0)),
    finalToBeforeRatio: round1(last.sizesMiB.all / before.all),
  };
}
