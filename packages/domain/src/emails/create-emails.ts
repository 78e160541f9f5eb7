import { inTransaction, Prisma, type Db, type Recipient } from '@postdate/db';
import { IdempotencyMismatchError, ValidationFailedError } from '../errors';
import { refusedSenders, type SenderPolicy } from '../domains/usable-domains';
import { consumeQuota } from '../quota/consume-quota';
import type { DeliveryTarget } from '../delivery/delivery-target';
import { toDeliveryTarget } from '../delivery/target-row';
import type { CreateEmailInput } from './email-input';
import type { EmailWithRecipients } from './email-view';
import { recordEvents } from '../events/record-events';
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
  /** When verified domains are required, an email whose From is on none of the tenant's is refused (400). */
  senderPolicy?: SenderPolicy;
}

export interface CreatedEmail {
  email: EmailWithRecipients;
  /** True when an earlier request with the same Idempotency-Key already created this email. */
  replayed: boolean;
  /**
   * Recipients (addresses) on the tenant's suppression list as the email was written: accepted, but they
   * will not be sent to unless taken off the list before the email is claimed. Empty for a replay.
   */
  suppressed: string[];
}

/** What became of one email of a write: created or replayed (with its job, if due soon), or refused. */
export type EmailOutcome = (CreatedEmail & { enqueue: DeliveryTarget | null }) | { error: IdempotencyMismatchError | ValidationFailedError };

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
  recipients: { id: string; address: string; updated_at: string; suppressed: boolean }[];
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
    eventSequence: 1,
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
 * All or nothing: every email is written, or (an Idempotency-Key mismatch, a refused quota) none is: the
 * mismatch, found after the write, is thrown inside the transaction and undoes it.
 */
export function createEmails(db: Db, command: CreateEmailsCommand): Promise<CreateEmailsResult> {
  return inTransaction(db, async (tx) => {
    const outcomes = await writeEmails(tx, command);
    const created: CreatedEmail[] = [];
    const toEnqueue: DeliveryTarget[] = [];
    for (const [i, outcome] of outcomes.entries()) {
      if ('error' in outcome && outcome.error instanceof ValidationFailedError) {
        throw new ValidationFailedError(`invalid emails[${i}]: ${outcome.error.message}`, outcome.error.details);
      }
      if ('error' in outcome) throw outcome.error;
      created.push({ email: outcome.email, replayed: outcome.replayed, suppressed: outcome.suppressed });
      if (outcome.enqueue) toEnqueue.push(outcome.enqueue);
    }
    return { created, toEnqueue };
  });
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
 * Writes emails and all their recipients in one statement whatever their number, then counts the
 * recipients actually written against the tenant's quota — all in one interactive transaction (joined if
 * the caller has one open), so no email is ever visible without its recipients and a refused quota undoes
 * the write. Answers each email's outcome in order; an Idempotency-Key mismatch is that email's outcome
 * (nothing of it was written). Throws QuotaExceededError when the quota refuses the write (then nothing
 * was written).
 */
export function writeEmails(db: Db, command: CreateEmailsCommand): Promise<EmailOutcome[]> {
  return inTransaction(db, (tx) => writeInTransaction(tx, command));
}

async function writeInTransaction(tx: Db, command: CreateEmailsCommand): Promise<EmailOutcome[]> {
  const { tenantId, now } = command;
  const horizon = new Date(now.getTime() + command.enqueueHorizonSeconds * 1000);
  // Emails whose From the tenant may not use are not written (a replay of one written earlier still is one).
  const refused = command.senderPolicy ? await refusedSenders(tx, tenantId, command.emails.map((e) => e.input.from), command.senderPolicy) : [];
  const prepared = command.emails.map((item, i) => {
    const sendAt = item.input.sendAt ?? now;
    const { to, cc, bcc } = item.input;
    // Only a keyed request can be replayed, so only it needs a fingerprint to compare a replay with.
    const hash = item.idempotencyKey === undefined ? null : fingerprint(item.input);
    return { item, hash, sendAt, dueAt: sendAt < now ? now : sendAt, recipients: recipientList({ to, cc, bcc }), refused: refused[i] };
  });
  const column = <T>(pick: (p: (typeof prepared)[number]) => T) => prepared.map(pick);
  const recipients = prepared.flatMap((p, i) => p.recipients.map((r) => ({ ord: i + 1, ...r })));

  const [outcome] = await tx.$queryRaw<{ emails: InsertedJson[] | null }[]>`
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
        ${column((p) => JSON.stringify(p.item.input.metadata))}::jsonb[],
        ${column((p) => p.refused === undefined)}::boolean[]
      ) WITH ORDINALITY AS v(idempotency_key, request_hash, send_at, due_at, expires_after_seconds, from_address,
                             reply_to, subject, text_body, html_body, headers, metadata, allowed, ord)
    ), recipient_request AS (
      SELECT * FROM unnest(${recipients.map((r) => r.ord)}::int[], ${recipients.map((r) => r.address)}::text[],
                           ${recipients.map((r) => r.name)}::text[], ${recipients.map((r) => r.kind)}::recipient_kind[])
        AS rr(ord, address, name, kind)
    ), inserted AS (
      -- ON CONFLICT (tenant_id, idempotency_key) DO NOTHING: a concurrent request with the same key waits for
      -- the first insert to commit and then inserts nothing; its email is read back afterwards.
      INSERT INTO scheduled_email (id, tenant_id, idempotency_key, request_hash, send_at, due_at, expires_after_seconds,
        from_address, reply_to, subject, text_body, html_body, headers, metadata, queued)
      SELECT r.id, ${tenantId}, r.idempotency_key, r.request_hash, r.send_at, r.due_at, r.expires_after_seconds,
        r.from_address, ARRAY(SELECT jsonb_array_elements_text(r.reply_to)), r.subject, r.text_body, r.html_body,
        r.headers, r.metadata, r.due_at <= ${horizon}::timestamptz
      FROM request r
      WHERE r.allowed
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
    SELECT (SELECT json_agg(json_build_object(
         'ord', r.ord, 'id', i.id::text, 'version', i.version, 'attempts', i.attempts, 'queued', i.queued,
         'due_at', i.due_at, 'created_at', i.created_at,
         'recipients', (SELECT coalesce(json_agg(json_build_object('id', ir.id::text, 'address', ir.address, 'updated_at', ir.updated_at,
                          'suppressed', EXISTS (SELECT 1 FROM suppression s WHERE s.tenant_id = ${tenantId} AND lower(s.address) = lower(ir.address)
                                                  AND (s.expires_at IS NULL OR s.expires_at > now())))), '[]')
                        FROM inserted_recipient ir WHERE ir.email_id = i.id)))
       FROM inserted i JOIN request r ON r.id = i.id) AS emails`;

  // Only what was written counts against the quota: a replay, or a request that lost the race for its
  // Idempotency-Key, is charged nothing. Refused, the transaction rolls the write back.
  const written = (outcome?.emails ?? []).reduce((n, email) => n + email.recipients.length, 0);
  await consumeQuota(tx, tenantId, written, now);

  const insertedByOrd = new Map((outcome?.emails ?? []).map((e) => [e.ord, e]));
  const rowFor = prepared.map((_, i) => insertedByOrd.get(i + 1));
  // The outbox: each new email's email.scheduled event, written with it.
  await recordEvents(
    tx,
    prepared.flatMap((p, i) => {
      const json = rowFor[i];
      if (!json) return [];
      const data = { status: 'scheduled', sendAt: p.sendAt.toISOString(), recipients: p.recipients.map((r) => ({ address: r.address, kind: r.kind })) };
      return [{ emailId: BigInt(json.id), type: 'email.scheduled' as const, data }];
    }),
  );

  // New emails are rendered from what was just written; only replays are read back.
  const conflictedKeys = prepared.flatMap(({ item }, i) => (!rowFor[i] && item.idempotencyKey !== undefined ? [item.idempotencyKey] : []));
  const stored =
    conflictedKeys.length === 0
      ? []
      : await readEmails(tx, tenantId, Prisma.sql`e.idempotency_key = ANY(${conflictedKeys}::text[])`);
  const byKey = new Map(stored.map((e) => [e.idempotencyKey!, e]));

  return prepared.map((p, i): EmailOutcome => {
    const json = rowFor[i];
    if (json) {
      const row = { id: BigInt(json.id), version: json.version, attempts: json.attempts, queued: json.queued, due_at: new Date(json.due_at), created_at: new Date(json.created_at) };
      const specOf = new Map(p.recipients.map((r) => [r.address, r]));
      const stored = json.recipients
        .map((r): Recipient => {
          const spec = specOf.get(r.address)!;
          return { id: BigInt(r.id), emailId: row.id, address: spec.address, name: spec.name, kind: spec.kind, status: 'pending', smtpResponse: null, refusal: null, updatedAt: new Date(r.updated_at) };
        })
        .sort((a, b) => (a.id < b.id ? -1 : 1));
      const email = asStoredEmail(tenantId, p.item, p.hash, p.sendAt, row, stored);
      const enqueue = row.queued ? toDeliveryTarget({ ...row, tenant_id: tenantId }) : null;
      return { email, replayed: false, enqueue, suppressed: json.recipients.filter((r) => r.suppressed).map((r) => r.address) };
    }
    const existing = p.item.idempotencyKey === undefined ? undefined : byKey.get(p.item.idempotencyKey);
    if (!existing && p.refused) return { error: p.refused };
    if (!existing) throw new Error(`email ${i} was neither written nor found by its Idempotency-Key`);
    if (existing.requestHash !== p.hash) {
      return {
        error: new IdempotencyMismatchError(
          `Idempotency-Key ${p.item.idempotencyKey} was already used with a different request body`,
          { idempotencyKey: p.item.idempotencyKey, emailId: existing.id.toString() },
        ),
      };
    }
    return { email: existing, replayed: true, enqueue: null, suppressed: [] };
  });
}
