import type { Db, Recipient } from '@postdate/db';
import { IdempotencyMismatchError } from '../errors';
import { consumeQuota } from '../quota/consume-quota';
import type { DeliveryTarget } from '../delivery/delivery-target';
import type { CreateEmailInput } from './email-input';
import type { EmailWithRecipients } from './email-view';
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

export interface CreateEmailsResult {
  created: CreatedEmail[];
  /** Jobs to add once the transaction has committed, never before: a job must not see an uncommitted row. */
  toEnqueue: DeliveryTarget[];
}

interface RecipientRow {
  id: bigint;
  email_id: bigint;
  address: string;
  updated_at: Date;
}

/** The row exactly as the INSERT stored it, in the model's shape, without reading it back. */
function asStoredEmail(tenantId: bigint, item: NewEmail, sendAt: Date, row: InsertedRow, recipients: Recipient[]): EmailWithRecipients {
  const { input } = item;
  return {
    id: row.id,
    tenantId,
    idempotencyKey: row.idempotency_key,
    requestHash: row.request_hash,
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
  idempotency_key: string | null;
  request_hash: string;
  queued: boolean;
  version: number;
  attempts: number;
  due_at: Date;
  created_at: Date;
}

const keyOf = (idempotencyKey: string | null | undefined, hash: string) => `${idempotencyKey ?? ''}\u0000${hash}`;

/**
 * Writes emails and all their recipients with a fixed number of statements whatever the count, inside
 * the caller's transaction, so no email is ever visible without its recipients.
 */
export async function createEmails(tx: Db, command: CreateEmailsCommand): Promise<CreateEmailsResult> {
  const { tenantId, now } = command;
  const horizon = new Date(now.getTime() + command.enqueueHorizonSeconds * 1000);
  const prepared = command.emails.map((item) => {
    const sendAt = item.input.sendAt ?? now;
    return { item, hash: requestHash(item.input), sendAt, dueAt: sendAt < now ? now : sendAt };
  });

  // ON CONFLICT (tenant_id, idempotency_key) DO NOTHING: a concurrent request with the same key waits for
  // the first insert to commit and then inserts nothing; it finds that email below instead.
  // One statement over arrays (unnest) whatever the number of emails: no per-row round trips or parameters.
  const column = <T>(pick: (p: (typeof prepared)[number]) => T) => prepared.map(pick);
  const inserted = await tx.$queryRaw<InsertedRow[]>`
    INSERT INTO scheduled_email (tenant_id, idempotency_key, request_hash, send_at, due_at, expires_after_seconds,
      from_address, reply_to, subject, text_body, html_body, headers, metadata, queued)
    SELECT ${tenantId}, v.idempotency_key, v.request_hash, v.send_at, v.due_at, v.expires_after_seconds,
      v.from_address, ARRAY(SELECT jsonb_array_elements_text(v.reply_to)), v.subject, v.text_body, v.html_body,
      v.headers, v.metadata, v.due_at <= ${horizon}::timestamptz
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
    ) AS v(idempotency_key, request_hash, send_at, due_at, expires_after_seconds, from_address, reply_to,
           subject, text_body, html_body, headers, metadata)
    ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
    RETURNING id, idempotency_key, request_hash, queued, version, attempts, due_at, created_at`;

  // Pair inserted rows with the requests that produced them. Rows with equal key and hash are identical,
  // so which of them gets which recipient list does not matter.
  const unclaimed = new Map<string, InsertedRow[]>();
  for (const row of inserted) {
    const k = keyOf(row.idempotency_key, row.request_hash);
    unclaimed.set(k, [...(unclaimed.get(k) ?? []), row]);
  }
  const rowFor = prepared.map(({ item, hash }) => unclaimed.get(keyOf(item.idempotencyKey, hash))?.shift());

  const recipients = prepared.flatMap(({ item }, i) => {
    const row = rowFor[i];
    if (!row) return [];
    const { to, cc, bcc } = item.input;
    return recipientList({ to, cc, bcc }).map((r) => ({ emailId: row.id, ...r }));
  });
  const insertedRecipients =
    recipients.length === 0
      ? []
      : await tx.$queryRaw<RecipientRow[]>`
          INSERT INTO recipient (email_id, address, name, kind)
          SELECT * FROM unnest(${recipients.map((r) => r.emailId)}::bigint[], ${recipients.map((r) => r.address)}::text[],
                               ${recipients.map((r) => r.name)}::text[], ${recipients.map((r) => r.kind)}::recipient_kind[])
          RETURNING id, email_id, address, updated_at`;
  const recipientsOf = new Map<bigint, Recipient[]>();
  // Matched by (email, address), which is unique, rather than trusting RETURNING's row order.
  const specOf = new Map(recipients.map((r) => [`${r.emailId}\u0000${r.address}`, r]));
  insertedRecipients.forEach((row) => {
    const spec = specOf.get(`${row.email_id}\u0000${row.address}`)!;
    const list = recipientsOf.get(row.email_id) ?? [];
    list.push({ id: row.id, emailId: row.email_id, address: spec.address, name: spec.name, kind: spec.kind, status: 'pending', smtpResponse: null, updatedAt: row.updated_at });
    recipientsOf.set(row.email_id, list);
  });

  // New emails are rendered from what was just written; only replays are read back.
  const conflictedKeys = prepared.filter((_, i) => !rowFor[i]).map(({ item }) => item.idempotencyKey!);
  const stored =
    conflictedKeys.length === 0
      ? []
      : await tx.scheduledEmail.findMany({
          where: { tenantId, idempotencyKey: { in: conflictedKeys } },
          include: { recipients: { orderBy: { id: 'asc' } } },
        });
  const byKey = new Map(stored.map((e) => [e.idempotencyKey!, e]));

  const created = prepared.map(({ item, hash, sendAt }, i): CreatedEmail => {
    const row = rowFor[i];
    if (row) return { email: asStoredEmail(tenantId, item, sendAt, row, recipientsOf.get(row.id) ?? []), replayed: false };
    const existing = byKey.get(item.idempotencyKey!)!;
    if (existing.requestHash !== hash) {
      throw new IdempotencyMismatchError(
        `Idempotency-Key ${item.idempotencyKey} was already used with a different request body`,
        { idempotencyKey: item.idempotencyKey, emailId: existing.id.toString() },
      );
    }
    return { email: existing, replayed: true };
  });

  await consumeQuota(tx, tenantId, recipients.length, now);

  const toEnqueue = inserted
    .filter((row) => row.queued)
    .map((row) => ({ emailId: row.id.toString(), tenantId: tenantId.toString(), version: row.version, attempts: row.attempts, dueAt: row.due_at }));
  return { created, toEnqueue };
}
