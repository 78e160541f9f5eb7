import type { Db } from '@postdate/db';
import type { NewEvent } from './event-types';

/**
 * Writes events into the outbox in the caller's transaction, which must hold the row lock of each event's
 * email (its status change took it): one statement whatever their number. Each email's events are numbered
 * on from its last one (gap-free: the counter sits on the locked row); each event carries the email's
 * version as the change left it and its metadata; each is fanned out to the tenant's enabled endpoints
 * subscribed to its type, for the webhook dispatcher to send after commit.
 */
export async function recordEvents(tx: Db, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  await tx.$executeRaw`
    WITH new_event AS (
      SELECT * FROM unnest(${events.map((e) => e.emailId)}::bigint[], ${events.map((e) => e.type)}::text[],
                           ${events.map((e) => JSON.stringify(e.data))}::jsonb[]) WITH ORDINALITY AS n(email_id, type, data, ord)
    ), per_email AS (
      SELECT email_id, count(*)::int AS n FROM new_event GROUP BY email_id
    ), numbered AS (
      -- Updated in id order: the rows are already locked by this transaction's status change.
      UPDATE scheduled_email e SET event_sequence = e.event_sequence + p.n
      FROM per_email p WHERE e.id = p.email_id
      RETURNING e.id, e.tenant_id, e.version, e.metadata, e.event_sequence - p.n AS last_before
    ), inserted AS (
      INSERT INTO event (tenant_id, email_id, email_version, sequence, type, data)
      SELECT b.tenant_id, n.email_id, b.version,
             b.last_before + row_number() OVER (PARTITION BY n.email_id ORDER BY n.ord),
             n.type, n.data || jsonb_build_object('metadata', b.metadata)
      FROM new_event n JOIN numbered b ON b.id = n.email_id
      RETURNING id, tenant_id, type
    )
    INSERT INTO webhook_delivery (tenant_id, event_id, endpoint_id)
    SELECT i.tenant_id, i.id, w.id FROM inserted i
    JOIN webhook_endpoint w ON w.tenant_id = i.tenant_id AND w.enabled AND i.type = ANY(w.event_types)`;
}
