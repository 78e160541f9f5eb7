import type { Client } from 'pg';
import type { DeliveryTargetLike } from '@postdate/queue';
import { benchMessage } from '../support/bench-emails';

// Seeding by the hundred thousand: emails with their recipients written by INSERT … SELECT over
// generate_series (a data-modifying CTE per chunk), the rows built inside Postgres, each email with the
// body every benchmark sends and its due time in an X-Send-At header for lateness at the sink. Rows start
// `queued` (their jobs are added next, as the API would), so the sweeper does not promote them again.

const CHUNK = 10_000;

export interface DueLoad {
  emails: number;
  recipients: number;
  /** When the first email is due, epoch ms. */
  firstDueAt: number;
  /** The due times run evenly over this many ms; 0: all due at the same instant. */
  spreadMs: number;
}

/** Writes the load for a tenant and answers the jobs to add, in due order. */
export async function insertDueEmails(pg: Client, tenantId: bigint, load: DueLoad): Promise<DeliveryTargetLike[]> {
  const { from, text, html } = benchMessage(0, 0);
  const stepMs = load.emails > 0 ? load.spreadMs / load.emails : 0;
  const targets: DeliveryTargetLike[] = [];
  for (let done = 0; done < load.emails; done += CHUNK) {
    const n = Math.min(CHUNK, load.emails - done);
    const { rows } = await pg.query<{ id: string; created_at: Date; due_at: Date; version: number; attempts: number }>(
      `WITH due AS (
         SELECT g, to_timestamp(($3::float8 + floor(($4::bigint + g - 1) * $5::float8)) / 1000) AS at
         FROM generate_series(1, $6::int) g
       ), e AS (
         INSERT INTO scheduled_email (tenant_id, status, send_at, due_at, from_address, subject, text_body, html_body, headers, queued)
         SELECT $1::bigint, 'scheduled', at, at, $2, 'Benchmark message ' || ($4::bigint + g), $7, $8,
                jsonb_build_object('X-Send-At', (extract(epoch FROM at) * 1000)::bigint::text), true
         FROM due
         RETURNING id, created_at, due_at, version, attempts
       ), r AS (
         INSERT INTO recipient (email_id, address, kind)
         SELECT e.id, 'user' || e.id || '.' || k || '@example.com', 'to' FROM e, generate_series(0, $9::int - 1) k
       )
       SELECT id, created_at, due_at, version, attempts FROM e ORDER BY due_at, id`,
      [tenantId.toString(), from, load.firstDueAt, done, stepMs, n, text, html, load.recipients],
    );
    for (const row of rows) {
      targets.push({ emailId: String(row.id), createdAt: row.created_at, tenantId: tenantId.toString(), version: row.version, attempts: row.attempts, dueAt: row.due_at });
    }
  }
  // Fresh statistics: the claim's plan should not be chosen for the table as it was before 100 000 rows.
  await pg.query('ANALYZE scheduled_email, recipient');
  return targets;
}
