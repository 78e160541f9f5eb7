import type { Client } from 'pg';
import { inTransaction } from '@postdate/db';
import type { Database } from '@postdate/db/client';

// A sketch, for measurement only, of postdate's delivery protocol with fewer round trips: the same two
// commits, the same fences (status + version to claim, status + attempt number to finish), no lock held
// while sending. The claim is one UPDATE … RETURNING that also inserts the attempt row (data-modifying
// CTE), then the recipients are read under the lock; the finish is one statement. Not wired into the app:
// the rare non-claim outcomes (stale, not due, expired) would need a classifying SELECT when it returns no row.
// One email at a time, for bench:delivery-path; the full protocol as a throughput phase, batched as the
// worker batches it, is the durable floor (durable-floor-worker.ts, durable-floor-statements.ts).

/** A statement as a tagged template, so the same text runs through Prisma's $queryRaw and through pg. */
interface Statement {
  strings: TemplateStringsArray;
  values: unknown[];
}
const sql = (strings: TemplateStringsArray, ...values: unknown[]): Statement => ({ strings, values });
const forPg = (q: Statement) => ({ text: q.strings.reduce((text, part, i) => `${text}$${i}${part}`), values: q.values });

const claim = (t: LeanTarget) => sql`
  WITH claimed AS (
    UPDATE scheduled_email
    SET status = 'sending', attempts = attempts + 1, updated_at = now(),
        lease_until = now() + make_interval(secs => ${120}::int), message_id = coalesce(message_id, ${`<postdate.${t.emailId}@postdate.test>`}::text)
    WHERE id = ${t.emailId}::bigint AND tenant_id = ${t.tenantId}::bigint AND version = ${t.version}::int
      AND status = 'scheduled' AND due_at <= now()
      AND (expires_after_seconds IS NULL OR now() - send_at <= make_interval(secs => expires_after_seconds))
    RETURNING id, attempts, message_id, send_at, from_address, reply_to, subject, text_body, html_body, headers),
  attempt AS (INSERT INTO delivery_attempt (email_id, attempt, worker_id) SELECT id, attempts, ${'bench'}::text FROM claimed)
  SELECT id, attempts FROM claimed`;

const recipients = (emailId: string) => sql`
  SELECT id, address, name, kind::text AS kind FROM recipient WHERE email_id = ${emailId}::bigint AND status = 'pending' ORDER BY id`;

// The recipients' UPDATE joins "sent", so it has nothing to do unless the fence held, and it reads the
// email row's new state before touching a recipient (email row first, as everywhere else).
const markSent = (emailId: string, attempt: number, recipientIds: string[]) => sql`
  WITH sent AS (
    UPDATE scheduled_email SET status = 'sent', sent_at = now(), lease_until = NULL, last_error = NULL, updated_at = now()
    WHERE id = ${emailId}::bigint AND status = 'sending' AND attempts = ${attempt}::int RETURNING id),
  attempt AS (
    UPDATE delivery_attempt SET finished_at = now(), smtp_response = '250 ok',
      outcome = CASE WHEN EXISTS (SELECT 1 FROM sent) THEN 'sent' ELSE 'sent_after_lease_lost' END
    WHERE email_id = ${emailId}::bigint AND attempt = ${attempt}::int AND finished_at IS NULL),
  recipients AS (
    UPDATE recipient r SET status = 'sent', smtp_response = '250 ok', updated_at = now()
    FROM sent WHERE r.email_id = sent.id AND r.id = ANY(${recipientIds}::bigint[]))
  SELECT count(*)::int AS fenced FROM sent`;

export interface LeanTarget {
  emailId: string;
  tenantId: string;
  version: number;
}

/** The lean protocol over node-postgres: 4 round trips to claim (BEGIN, claim, recipients, COMMIT), 1 to finish. */
export async function leanDeliverPg(pg: Client, t: LeanTarget): Promise<void> {
  await pg.query('BEGIN');
  const claimed = await pg.query<{ id: string; attempts: number }>(forPg(claim(t)));
  const row = claimed.rows[0];
  if (!row) throw new Error(`lean claim of ${t.emailId} found nothing`);
  const found = await pg.query<{ id: string }>(forPg(recipients(t.emailId)));
  await pg.query('COMMIT');
  const done = await pg.query<{ fenced: number }>(
    forPg(
      markSent(
        t.emailId,
        row.attempts,
        found.rows.map((r) => r.id),
      ),
    ),
  );
  if (done.rows[0]?.fenced !== 1) throw new Error(`lean markSent of ${t.emailId} lost its fence`);
}

/** The same statements through Prisma ($queryRaw inside inTransaction, then one statement outside). */
export async function leanDeliverPrisma(db: Database, t: LeanTarget): Promise<void> {
  const claimed = await inTransaction(db, async (tx) => {
    const c = claim(t);
    const rows = await tx.$queryRaw<{ id: bigint; attempts: number }[]>(c.strings, ...c.values);
    if (!rows[0]) throw new Error(`lean claim of ${t.emailId} found nothing`);
    const r = recipients(t.emailId);
    const found = await tx.$queryRaw<{ id: bigint }[]>(r.strings, ...r.values);
    return { attempt: rows[0].attempts, recipientIds: found.map((x) => x.id.toString()) };
  });
  const m = markSent(t.emailId, claimed.attempt, claimed.recipientIds);
  const done = await db.$queryRaw<{ fenced: number }[]>(m.strings, ...m.values);
  if (done[0]?.fenced !== 1) throw new Error(`lean markSent of ${t.emailId} lost its fence`);
}
