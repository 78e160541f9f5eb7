import type { Db } from '@postdate/db';
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

interface InsertedRow {
  id: bigint;
  idempotency_key: string | null;
  request_hash: string;
  queued: boolean;
  version: number;
  attempts: number;
  due_at: Date;
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
    RETURNING id, idempotency_key, request_hash, queued, version, attempts, due_at`;

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
  if (recipients.length > 0) {
    await tx.$executeRaw`
      INSERT INTO recipient (email_id, address, name, kind)
      SELECT * FROM unnest(${recipients.map((r) => r.emailId)}::bigint[], ${recipients.map((r) => r.address)}::text[],
                           ${recipients.map((r) => r.name)}::text[], ${recipients.map((r) => r.kind)}::recipient_kind[])`;
  }

  const conflictedKeys = prepared.filter((_, i) => !rowFor[i]).map(({ item }) => item.idempotencyKey!);
  const ids = [...inserted.map((r) => r.id)];
  const stored = await tx.scheduledEmail.findMany({
    where: {
      tenantId,
      OR: [{ id: { in: ids } }, ...(conflictedKeys.length ? [{ idempotencyKey: { in: conflictedKeys } }] : [])],
    },
    include: { recipients: { orderBy: { id: 'asc' } } },
  });
  const byId = new Map(stored.map((e) => [e.id, e]));
  const byKey = new Map(stored.filter((e) => e.idempotencyKey).map((e) => [e.idempotencyKey!, e]));

  const created = prepared.map(({ item, hash }, i): CreatedEmail => {
    const row = rowFor[i];
    if (row) return { email: byId.get(row.id)!, replayed: false };
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
