import type { Client } from 'pg';
import { progress } from './report';

// Rows by the million without the API: INSERT … SELECT over generate_series, each email with its recipient
// and the event of its creation (and, once sent, its delivery attempt and email.sent event) in one statement
// per chunk through data-modifying CTEs. Rows are generated inside Postgres, so nothing crosses the wire per row.

export interface BulkShape {
  status: 'scheduled' | 'sent';
  /**
   * SQL for row g's due time (and, once sent, its sent and finished time): `done` is the number of rows
   * written before this chunk, `total` the number in all, so `(done + g)::float8 / total` runs from 0 to 1.
   */
  dueAt: string;
  /** Whether the row's job is (or was) in Redis already. */
  queued: boolean;
}

const CHUNK = 100_000;

/** Writes `count` emails of the given shape for a tenant; returns the seconds it took. */
export async function bulkInsertEmails(pg: Client, tenantId: bigint, count: number, shape: BulkShape, label: string = shape.status): Promise<number> {
  const started = performance.now();
  const sent = shape.status === 'sent';
  for (let done = 0; done < count; done += CHUNK) {
    const n = Math.min(CHUNK, count - done);
    await pg.query(
      `WITH p AS (SELECT $2::bigint AS done, $3::bigint AS total),
       e AS (
         INSERT INTO scheduled_email (tenant_id, request_hash, status, send_at, due_at, from_address, subject, text_body,
                                      queued, attempts, sent_at, message_id, updated_at, event_sequence)
         SELECT $1, 'bulk', '${shape.status}'::email_status, d, d, 'Bench <bench@postdate.test>', 'Bulk message ' || g,
                'Hello from the scale benchmark', ${shape.queued}, ${sent ? '1, d' : '0, NULL'},
                ${sent ? `'<bulk.' || g || '@postdate.test>'` : 'NULL'}, ${sent ? 'd' : 'now()'}, ${sent ? 2 : 1}
         FROM generate_series(1, $4::int) g, p, LATERAL (SELECT ${shape.dueAt} AS d) due
         RETURNING id, due_at),
       r AS (
         INSERT INTO recipient (email_id, address, kind, status)
         SELECT id, 'user' || id || '@example.com', 'to', '${sent ? 'sent' : 'pending'}'::recipient_status FROM e),
       a AS (
         INSERT INTO delivery_attempt (email_id, attempt, worker_id, started_at, finished_at, outcome, smtp_response)
         SELECT id, 1, 'bench', due_at, due_at, 'sent', '250 2.0.0 OK' FROM e WHERE ${sent})
       INSERT INTO event (tenant_id, email_id, email_version, sequence, type, data, created_at)
       SELECT $1, e.id, 1, s.sequence, s.type,
              jsonb_build_object('status', s.status, 'attempt', 1, 'messageId', '<bulk.' || e.id || '@postdate.test>', 'metadata', '{}'::jsonb),
              e.due_at
       FROM e, (VALUES (1, 'email.scheduled', 'scheduled'), (2, 'email.sent', 'sent')) s(sequence, type, status)
       WHERE s.sequence = 1 OR ${sent}`,
      [tenantId.toString(), done, count, n],
    );
    progress(`  ${label}: ${done + n}/${count}`);
  }
  // VACUUM too, so autovacuum does not wake up mid-measurement after a million-row insert.
  await pg.query('VACUUM (ANALYZE) scheduled_email, recipient, delivery_attempt, event');
  return (performance.now() - started) / 1000;
}
