import type { Db, ScheduledEmail } from '@postdate/db';
import { IdempotencyMismatchError } from '../errors';
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
  const inserted = await tx.scheduledEmail.createManyAndReturn({
    data: prepared.map(({ item, hash, sendAt, dueAt }) => ({
      tenantId,
      idempotencyKey: item.idempotencyKey ?? null,
      requestHash: hash,
      sendAt,
      dueAt,
      expiresAfterSeconds: item.input.expiresAfter ?? null,
      fromAddress: item.input.from,
      replyTo: item.input.replyTo,
      subject: item.input.subject,
      textBody: item.input.text ?? null,
      htmlBody: item.input.html ?? null,
      headers: item.input.headers,
      metadata: item.input.metadata as object,
      queued: dueAt <= horizon,
    })),
    skipDuplicates: true,
  });

  // Pair inserted rows with the requests that produced them. Rows with equal key and hash are identical,
  // so which of them gets which recipient list does not matter.
  const unclaimed = new Map<string, ScheduledEmail[]>();
  for (const row of inserted) {
    const k = keyOf(row.idempotencyKey, row.requestHash);
    unclaimed.set(k, [...(unclaimed.get(k) ?? []), row]);
  }
  const rowFor = prepared.map(({ item, hash }) => unclaimed.get(keyOf(item.idempotencyKey, hash))?.shift());

  await tx.recipient.createMany({
    data: prepared.flatMap(({ item }, i) => {
      const row = rowFor[i];
      if (!row) return [];
      const { to, cc, bcc } = item.input;
      return recipientList({ to, cc, bcc }).map((r) => ({ emailId: row.id, ...r }));
    }),
  });

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

  const toEnqueue = inserted
    .filter((row) => row.queued)
    .map((row) => ({ emailId: row.id.toString(), tenantId: row.tenantId.toString(), version: row.version, attempts: row.attempts, dueAt: row.dueAt }));
  return { created, toEnqueue };
}
