import { Prisma, type Db, type Recipient } from '@postdate/db';
import { IdempotencyMismatchError } from '../errors';
import { quotaAdmitted, quotaCtes, quotaDay, quotaExceededError } from '../quota/consume-quota';
import type { DeliveryTarget } from '../delivery/delivery-target';
import { toDeliveryTarget } from '../delivery/target-row';
import type { CreateEmailInput } from './email-input';
import type { EmailWithRecipients } from './email-view';
import { readEmails } from './read-emails';
import { addressKey, formatAddress, parseAddress, type ParsedAddress } from './parse-address';
import { recipientList } from './recipient-list';
import { requestHash } from './request-hash';

export interface NewEmail {
  idempotencyKey?: string;
  input: CreateEmailInput;
}

export interface CreateEmailsCommand {
  tenantId: bigint;
  emails: NewEmail[];
  now: Date;
  /** Emails due within this many seconds get a job at once; later ones wait for the sweeper. */
  enqueueHorizonSeconds: number;
}

export interface CreatedEmail {
  email: EmailWithRecipients;
  /** True when an earlier request with the same Idempotency-Key already created this email. */
  replayed: boolean;
}

/** What became of one email of a write: created or replayed (with its job, if due soon), or refused. */
export type EmailOutcome = (CreatedEmail & { enqueue: DeliveryTarget | null }) | { error: IdempotencyMismatchError };

export interface CreateEmailsResult {
  created: CreatedEmail[];
  /** Jobs to add once the transaction has committed, never before: a job must not see an uncommitted row. */
  toEnqueue: DeliveryTarget[];
}

/** One created email as the statement returns it (JSON: ids and timestamps as text). */
interface InsertedJson {
  ord: number;
  id: string;
  version: number;
  attempts: number;
  queued: boolean;
  due_at: string;
  created_at: string;
  recipients: { id: string; address: string; updated_at: string }[];
}

/** The row exactly as the INSERT stored it, in the model's shape, without reading it back. */
function asStoredEmail(tenantId: bigint, item: NewEmail, hash: string | null, sendAt: Date, row: InsertedRow, recipients: Recipient[]): EmailWithRecipients {
  const { input } = item;
  return {
    id: row.id,
    tenantId,
    idempotencyKey: item.idempotencyKey ?? null,
    requestHash: hash,
    status: 'scheduled',
    sendAt,
    dueAt: row.due_at,
    expiresAfterSeconds: input.expiresAfter ?? null,
    fromAddress: input.from,
    replyTo: input.replyTo,
    subject: input.subject,
    textBody: input.text ?? null,
    htmlBody: input.html ?? null,
    headers: input.headers,
    metadata: input.metadata as EmailWithRecipients['metadata'],
    version: row.version,
    attempts: row.attempts,
    attemptsAtArm: 0,
    queued: row.queued,
    leaseUntil: null,
    failureReason: null,
    lastError: null,
    messageId: null,
    sentAt: null,
    canceledAt: null,
    createdAt: row.created_at,
    updatedAt: row.created_at,
    recipients,
  };
}

interface InsertedRow {
  id: bigint;
  queued: boolean;
  version: number;
  attempts: number;
  due_at: Date;
  created_at: Date;
}

/**
 * All or nothing: every email is written, or (an Idempotency-Key mismatch) none is — run it inside a
 * transaction when there is more than one email, so that a mismatch found after the write undoes it.
 */
export async function createEmails(db: Db, command: CreateEmailsCommand): Promise<CreateEmailsResult> {
  const outcomes = await writeEmails(db, command);
  const created: CreatedEmail[] = [];
  const toEnqueue: DeliveryTarget[] = [];
  for (const outcome of outcomes) {
    if ('error' in outcome) throw outcome.error;
    created.push({ email: outcome.email, replayed: outcome.replayed });
    if (outcome.enqueue) toEnqueue.push(outcome.enqueue);
  }
  return { created, toEnqueue };
}

/**
 * What a replay is compared by: the parsed request with every address by its key (display names as
 * written), so a retry that spells an address in another case is the same request, as it is the same
 * mailbox — and hashes stored when addresses were lower-cased still match.
 */
function fingerprint(input: CreateEmailInput): string {
  const keyed = (list: ParsedAddress[]) => list.map((a) => ({ ...a, address: addressKey(a.address) }));
  const keyedRendered = (rendered: string) => {
    const parsed = parseAddress(rendered);
    return 'error' in parsed ? rendered : formatAddress({ ...parsed, address: addressKey(parsed.address) });
  };
  return requestHash({
    ...input,
    from: keyedRendered(input.from),
    replyTo: input.replyTo.map(keyedRendered),
    to: keyed(input.to),
    cc: keyed(input.cc),
    bcc: keyed(input.bcc),
  });
}

/**
 * Writes emails and all their recipients, and counts them against the tenant's quota, in **one statement**
 * whatever the number of emails or recipients: atomic on its own (no email is ever visible without its
 * recipients), so it needs no interactive transaction. Answers each email's outcome in order; an
 * Idempotency-Key mismatch is that email's outcome (nothing of it was written). Throws when the quota
 * refuses the whole write (then nothing was written).
 */
export async function writeEmails(db: Db, command: CreateEmailsCommand): Promise<EmailOutcome[]> {
  const { tenantId, now } = command;
  const horizon = new Date(now.getTime() + command.enqueueHorizonSeconds * 1000);
  const prepared = command.emails.map((item) => {
    const sendAt = item.input.sendAt ?? now;
    const { to, cc, bcc } = item.input;
    // Only a keyed request can be replayed, so only it needs a fingerprint to compare a replay with.
    const hash = item.idempotencyKey === undefined ? null : fingerprint(item.input);
    return { item, hash, sendAt, dueAt: sendAt < now ? now : sendAt, recipients: recipientList({ to, cc, bcc }) };
  });
  const column = <T>(pick: (p: (typeof prepared)[number]) => T) => prepared.map(pick);
  const recipients = prepared.flatMap((p, i) => p.recipients.map((r) => ({ ord: i + 1, ...r })));
  // Recipients of the requests that will insert: not replays of a key this tenant already used, and only
  // the first of several requests in one batch that share a key. These are what the quota counts.
  const requested = Prisma.sql`(SELECT count(*)::int FROM wanted)`;

  const [outcome] = await db.$queryRaw<{ admitted: boolean; emails: InsertedJson[] | null }[]>`
    WITH request AS MATERIALIZED (
      -- Ids drawn up front so each recipient can name its email's id inside this one statement.
      SELECT v.*, nextval(pg_get_serial_sequence('scheduled_email', 'id')) AS id
      FROM unnest(
        ${column((p) => p.item.idempotencyKey ?? null)}::text[],
        ${column((p) => p.hash)}::text[],
        ${column((p) => p.sendAt)}::timestamptz[],
        ${column((p) => p.dueAt)}::timestamptz[],
        ${column((p) => p.item.input.expiresAfter ?? null)}::int[],
        ${column((p) => p.item.input.from)}::text[],
        ${column((p) => JSON.stringify(p.item.input.replyTo))}::jsonb[],
        ${column((p) => p.item.input.subject)}::text[],
        ${column((p) => p.item.input.text ?? null)}::text[],
        ${column((p) => p.item.input.html ?? null)}::text[],
        ${column((p) => JSON.stringify(p.item.input.headers))}::jsonb[],
        ${column((p) => JSON.stringify(p.item.input.metadata))}::jsonb[]
      ) WITH ORDINALITY AS v(idempotency_key, request_hash, send_at, due_at, expires_after_seconds, from_address,
                             reply_to, subject, text_body, html_body, headers, metadata, ord)
    ), recipient_request AS (
      SELECT * FROM unnest(${recipients.map((r) => r.ord)}::int[], ${recipients.map((r) => r.address)}::text[],
                           ${recipients.map((r) => r.name)}::text[], ${recipients.map((r) => r.kind)}::recipient_kind[])
        AS rr(ord, address, name, kind)
    ), fresh AS (
      SELECT DISTINCT ON (coalesce(r.idempotency_key, r.ord::text)) r.ord FROM request r
      WHERE NOT EXISTS (SELECT 1 FROM scheduled_email e WHERE e.tenant_id = ${tenantId} AND e.idempotency_key = r.idempotency_key)
      ORDER BY coalesce(r.idempotency_key, r.ord::text), r.ord
    ), wanted AS (
      SELECT rr.* FROM recipient_request rr WHERE rr.ord IN (SELECT ord FROM fresh)
    ), ${quotaCtes(tenantId, quotaDay(now), requested)},
    inserted AS (
      -- ON CONFLICT (tenant_id, idempotency_key) DO NOTHING: a concurrent request with the same key waits for
      -- the first insert to commit and then inserts nothing; its email is read back afterwards.
      INSERT INTO scheduled_email (id, tenant_id, idempotency_key, request_hash, send_at, due_at, expires_after_seconds,
        from_address, reply_to, subject, text_body, html_body, headers, metadata, queued)
      SELECT r.id, ${tenantId}, r.idempotency_key, r.request_hash, r.send_at, r.due_at, r.expires_after_seconds,
        r.from_address, ARRAY(SELECT jsonb_array_elements_text(r.reply_to)), r.subject, r.text_body, r.html_body,
        r.headers, r.metadata, r.due_at <= ${horizon}::timestamptz
      FROM request r WHERE ${quotaAdmitted(requested)}
      ORDER BY r.ord
      ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
      RETURNING id, version, attempts, queued, due_at, created_at
    ), inserted_recipient AS (
      INSERT INTO recipient (email_id, address, name, kind)
      SELECT r.id, rr.address, rr.name, rr.kind
      FROM recipient_request rr JOIN request r ON r.ord = rr.ord
      WHERE r.id IN (SELECT id FROM inserted)
      RETURNING id, email_id, address, updated_at
    )
    SELECT ${quotaAdmitted(requested)} AS admitted,
      (SELECT json_agg(json_build_object(
         'ord', r.ord, 'id', i.id::text, 'version', i.version, 'attempts', i.attempts, 'queued', i.queued,
         'due_at', i.due_at, 'created_at', i.created_at,
         'recipients', (SELECT coalesce(json_agg(json_build_object('id', ir.id::text, 'address', ir.address, 'updated_at', ir.updated_at)), '[]')
                        FROM inserted_recipient ir WHERE ir.email_id = i.id)))
       FROM inserted i JOIN request r ON r.id = i.id) AS emails`;
  if (!outcome?.admitted) {
    const wanted = prepared.reduce((n, p) => n + p.recipients.length, 0);
    throw await quotaExceededError(db, tenantId, wanted, now);
  }

  const insertedByOrd = new Map((outcome.emails ?? []).map((e) => [e.ord, e]));
  const rowFor = prepared.map((_, i) => insertedByOrd.get(i + 1));

  // New emails are rendered from what was just written; only replays are read back.
  const conflictedKeys = prepared.filter((_, i) => !rowFor[i]).map(({ item }) => item.idempotencyKey!);
  const stored =
    conflictedKeys.length === 0
      ? []
      : await readEmails(db, tenantId, Prisma.sql`e.idempotency_key = ANY(${conflictedKeys}::text[])`);
  const byKey = new Map(stored.map((e) => [e.idempotencyKey!, e]));

  return prepared.map((p, i): EmailOutcome => {
    const json = rowFor[i];
    if (json) {
      const row = { id: BigInt(json.id), version: json.version, attempts: json.attempts, queued: json.queued, due_at: new Date(json.due_at), created_at: new Date(json.created_at) };
      const specOf = new Map(p.recipients.map((r) => [r.address, r]));
      const stored = json.recipients
        .map((r): Recipient => {
          const spec = specOf.get(r.address)!;
          return { id: BigInt(r.id), emailId: row.id, address: spec.address, name: spec.name, kind: spec.kind, status: 'pending', smtpResponse: null, updatedAt: new Date(r.updated_at) };
        })
        .sort((a, b) => (a.id < b.id ? -1 : 1));
      const email = asStoredEmail(tenantId, p.item, p.hash, p.sendAt, row, stored);
      const enqueue = row.queued ? toDeliveryTarget({ ...row, tenant_id: tenantId }) : null;
      return { email, replayed: false, enqueue };
    }
    const existing = byKey.get(p.item.idempotencyKey!)!;
    if (existing.requestHash !== p.hash) {
      return {
        error: new IdempotencyMismatchError(
          `Idempotency-Key ${p.item.idempotencyKey} was already used with a different request body`,
          { idempotencyKey: p.item.idempotencyKey, emailId: existing.id.toString() },
        ),
      };
    }
    return { email: existing, replayed: true, enqueue: null };
  });
}
