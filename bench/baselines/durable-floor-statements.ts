import type { Pool, PoolClient } from 'pg';

// The durable floor's statements: postdate's claim and sent-record (packages/domain/src/delivery/
// claim-for-delivery.ts, mark-sent.ts, events/record-events.ts), the same SQL in the same transactions,
// through node-postgres instead of Prisma. Kept in step with those files by hand: a change to the protocol's
// SQL there belongs here too, or the floor stops being postdate's protocol. Only the common path is here
// (no suppressed recipients, no refusals, no classifying statement when nothing was claimed).

export interface FloorClaimRequest {
  emailId: string;
  tenantId: string;
  version: number;
  messageId: string;
}

export interface FloorClaimedEmail {
  id: string;
  attempts: number;
  message_id: string;
  from_address: string;
  reply_to: string[] | null;
  subject: string;
  text_body: string | null;
  html_body: string | null;
  headers: Record<string, string>;
  recipients: { id: string; address: string; name: string | null; kind: string; suppressed: boolean }[];
}

export interface FloorSentRequest {
  emailId: string;
  attempt: number;
  response: string;
  recipients: { id: string; address: string }[];
}

async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** postdate's claim for a batch: lock in id order, scheduled → sending with a lease and the next attempt, log it. */
export function claimBatch(pool: Pool, workerId: string, leaseSeconds: number, requests: FloorClaimRequest[]): Promise<(FloorClaimedEmail | null)[]> {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<FloorClaimedEmail>(
      `WITH request AS (
        SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::int[], $4::text[]) AS r(id, tenant_id, version, message_id)
      ), locked AS (
        SELECT e.id, r.message_id FROM scheduled_email e JOIN request r ON r.id = e.id
        WHERE e.tenant_id = r.tenant_id AND e.status = 'scheduled' AND e.version = r.version AND e.due_at <= now()
          AND (e.expires_after_seconds IS NULL OR now() - e.send_at <= make_interval(secs => e.expires_after_seconds))
        ORDER BY e.id
        FOR UPDATE OF e
      ), claimed AS (
        UPDATE scheduled_email e
        SET status = 'sending', attempts = e.attempts + 1, updated_at = now(),
            lease_until = now() + make_interval(secs => $5::int), message_id = coalesce(e.message_id, l.message_id)
        FROM locked l WHERE e.id = l.id
        RETURNING e.id, e.attempts, e.attempts_at_arm, e.message_id, e.send_at, e.from_address, e.reply_to, e.subject,
                  e.text_body, e.html_body, e.headers
      ), logged AS (
        INSERT INTO delivery_attempt (email_id, attempt, worker_id) SELECT id, attempts, $6::text FROM claimed
      ), pending AS (
        SELECT rc.id, rc.email_id, rc.address, rc.name, rc.kind,
               EXISTS (SELECT 1 FROM suppression s WHERE s.tenant_id = r.tenant_id AND lower(s.address) = lower(rc.address)
                         AND (s.expires_at IS NULL OR s.expires_at > now())) AS suppressed
        FROM recipient rc JOIN request r ON r.id = rc.email_id
        WHERE rc.email_id IN (SELECT id FROM locked) AND rc.status = 'pending'
        ORDER BY rc.email_id, rc.id
        FOR SHARE OF rc
      )
      SELECT c.*,
        coalesce((SELECT json_agg(json_build_object('id', p.id::text, 'address', p.address, 'name', p.name, 'kind', p.kind, 'suppressed', p.suppressed) ORDER BY p.id)
                  FROM pending p WHERE p.email_id = c.id), '[]'::json) AS recipients
      FROM claimed c`,
      [requests.map((r) => r.emailId), requests.map((r) => r.tenantId), requests.map((r) => r.version), requests.map((r) => r.messageId), leaseSeconds, workerId],
    );
    const byId = new Map(rows.map((row) => [String(row.id), row]));
    return requests.map((r) => byId.get(r.emailId) ?? null);
  });
}

/** postdate's sent-record for a batch, fenced on status and attempt, with its email.sent events in the outbox. */
export function markSentBatch(pool: Pool, requests: FloorSentRequest[]): Promise<boolean[]> {
  return inTransaction(pool, async (client) => {
    const results = requests.flatMap((q) => q.recipients.map((r) => ({ ...r, emailId: q.emailId, response: q.response }))).sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
    const { rows } = await client.query<{ email_id: string; fenced: boolean; sent_at: Date | null; message_id: string | null }>(
      `WITH request AS (
        SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[]) AS r(email_id, attempt, response)
      ), locked AS (
        SELECT e.id FROM scheduled_email e JOIN request r ON r.email_id = e.id
        WHERE e.status = 'sending' AND e.attempts = r.attempt
        ORDER BY e.id
        FOR UPDATE OF e
      ), sent AS (
        UPDATE scheduled_email e
        SET status = 'sent', sent_at = now(), lease_until = NULL, last_error = NULL, updated_at = now()
        FROM locked l WHERE e.id = l.id
        RETURNING e.id, e.tenant_id, e.sent_at, e.message_id
      ), recipients AS (
        UPDATE recipient r
        SET status = v.status::recipient_status, smtp_response = v.response, refusal = v.refusal::recipient_refusal, updated_at = now()
        FROM unnest($4::bigint[], $5::bigint[], $6::text[], $7::text[], $8::text[]) AS v(id, email_id, status, response, refusal)
        WHERE r.id = v.id AND r.email_id = v.email_id AND v.email_id IN (SELECT id FROM sent)
      ), logged AS (
        UPDATE delivery_attempt a
        SET finished_at = now(), smtp_response = r.response,
            outcome = CASE WHEN a.email_id IN (SELECT id FROM sent) THEN 'sent' ELSE 'sent_after_lease_lost' END
        FROM request r
        WHERE a.email_id = r.email_id AND a.attempt = r.attempt AND a.finished_at IS NULL
      )
      SELECT r.email_id, s.id IS NOT NULL AS fenced, s.tenant_id, s.sent_at, s.message_id,
             EXISTS (SELECT 1 FROM scheduled_email e WHERE e.id = r.email_id AND e.status = 'sent' AND e.attempts = r.attempt) AS already_done
      FROM request r LEFT JOIN sent s ON s.id = r.email_id`,
      [
        requests.map((q) => q.emailId),
        requests.map((q) => q.attempt),
        requests.map((q) => q.response.slice(0, 1000)),
        results.map((r) => r.id),
        results.map((r) => r.emailId),
        results.map(() => 'sent'),
        results.map((r) => r.response),
        results.map(() => null),
      ],
    );
    const outcomeOf = new Map(rows.map((row) => [String(row.email_id), row]));
    const events = requests.flatMap((q) => {
      const outcome = outcomeOf.get(q.emailId);
      if (!outcome?.fenced) return [];
      const recipients = q.recipients.map((r) => ({ address: r.address, status: 'sent', smtpResponse: q.response, refusal: null }));
      return [{ emailId: q.emailId, type: 'email.sent', data: { status: 'sent', attempt: q.attempt, sentAt: outcome.sent_at?.toISOString(), messageId: outcome.message_id, recipients } }];
    });
    await recordEvents(client, events);
    return requests.map((q) => Boolean(outcomeOf.get(q.emailId)?.fenced));
  });
}

/** postdate's outbox write (record-events.ts): one statement, numbered per email under the row lock. */
async function recordEvents(client: PoolClient, events: { emailId: string; type: string; data: unknown }[]): Promise<void> {
  if (events.length === 0) return;
  await client.query(
    `WITH new_event AS (
      SELECT * FROM unnest($1::bigint[], $2::text[], $3::jsonb[]) WITH ORDINALITY AS n(email_id, type, data, ord)
    ), per_email AS (
      SELECT email_id, count(*)::int AS n FROM new_event GROUP BY email_id
    ), numbered AS (
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
    JOIN webhook_endpoint w ON w.tenant_id = i.tenant_id AND w.enabled AND i.type = ANY(w.event_types)`,
    [events.map((e) => e.emailId), events.map((e) => e.type), events.map((e) => JSON.stringify(e.data))],
  );
}
