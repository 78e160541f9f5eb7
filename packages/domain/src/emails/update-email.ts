import { inTransaction, type Db } from '@postdate/db';
import type { DeliveryTarget } from '../delivery/delivery-target';
import { refusedSenders, type SenderPolicy } from '../domains/usable-domains';
import { ConflictError, ValidationFailedError } from '../errors';
import { MAX_METADATA_BYTES, type UpdateEmailInput } from './email-input';
import { consumeQuota } from '../quota/consume-quota';
import { recordEvents } from '../events/record-events';
import { lockEmail } from './lock-email';
import { replaceRecipients } from './replace-recipients';

export interface UpdateEmailCommand {
  tenantId: bigint;
  id: bigint;
  patch: UpdateEmailInput;
  now: Date;
  enqueueHorizonSeconds: number;
  /** Recipients an email may have in all: checked on the email as the edit leaves it, not on the request. */
  maxRecipients: number;
  /** When verified domains are required: the From as the edit leaves it, if it gives one or re-arms the email. */
  senderPolicy?: SenderPolicy;
}

/**
 * Edits a scheduled email under its row lock and bumps its version, so every job already in Redis
 * becomes a no-op and only the job returned here (for the new version) can send it. A failed or
 * canceled email is re-armed by an edit that gives a new sendAt.
 */
export function updateEmail(db: Db, command: UpdateEmailCommand): Promise<DeliveryTarget | null> {
  return inTransaction(db, async (tx) => {
    const { tenantId, id, patch, now } = command;
    const email = await lockEmail(tx, tenantId, id);
    const rearm = email.status === 'failed' || email.status === 'canceled';
    if (email.status === 'sending' || email.status === 'sent') {
      throw new ConflictError(`email ${id} is ${email.status} and can no longer be changed`, { status: email.status });
    }
    if (rearm && !patch.sendAt) {
      throw new ConflictError(`email ${id} is ${email.status}; give a new sendAt to schedule it again`, { status: email.status });
    }
    const hasText = patch.text === undefined ? email.has_text : patch.text !== null;
    const hasHtml = patch.html === undefined ? email.has_html : patch.html !== null;
    if (!hasText && !hasHtml) throw new ValidationFailedError('an email needs text, html or both');
    if (command.senderPolicy && (patch.from !== undefined || rearm)) {
      const [refused] = await refusedSenders(tx, tenantId, [patch.from ?? email.from_address], command.senderPolicy);
      if (refused) throw refused;
    }

    if (rearm) {
      // A temporary refusal (4xx) that outlasted the retries deserves another try now the email is re-armed;
      // a permanent one (5xx) does not: it stays rejected, and the answer shows it so. Under the email's row
      // lock, which every writer of its recipients takes first.
      await tx.$executeRaw`
        UPDATE recipient SET status = 'pending', smtp_response = NULL, refusal = NULL, updated_at = now()
        WHERE email_id = ${id} AND status = 'rejected' AND refusal = 'transient'`;
    }

    if (patch.to || patch.cc || patch.bcc) {
      const { added } = await replaceRecipients(
        tx,
        id,
        { ...(patch.to && { to: patch.to }), ...(patch.cc && { cc: patch.cc }), ...(patch.bcc && { bcc: patch.bcc }) },
        command.maxRecipients,
      );
      // Newly added addresses count against the daily quota like a new email's would.
      await consumeQuota(tx, tenantId, added, now);
    }
    if (patch.metadata) {
      const deleted = Object.keys(patch.metadata).filter((k) => patch.metadata![k] === null);
      // Key-by-key merge computed from the stored value under our row lock: concurrent edits of different
      // keys both survive, and a key set to null is deleted.
      const [merged] = await tx.$queryRaw<{ metadata: unknown }[]>`
        UPDATE scheduled_email
        SET metadata = (metadata || ${JSON.stringify(patch.metadata)}::jsonb) - ${deleted}::text[]
        WHERE id = ${id}
        RETURNING metadata`;
      // The limit holds for what is stored, not for each request: six small merges must not add up past it.
      const bytes = Buffer.byteLength(JSON.stringify(merged?.metadata ?? {}));
      if (bytes > MAX_METADATA_BYTES) {
        throw new ValidationFailedError(`metadata may be at most ${MAX_METADATA_BYTES} bytes of JSON; merged with the stored keys it would be ${bytes}`, {
          issues: [{ path: 'metadata', message: `merged metadata would be ${bytes} bytes (at most ${MAX_METADATA_BYTES})` }],
        });
      }
    }

    const dueAt = patch.sendAt ? (patch.sendAt < now ? now : patch.sendAt) : email.due_at;
    const queued = dueAt.getTime() <= now.getTime() + command.enqueueHorizonSeconds * 1000;
    const updated = await tx.scheduledEmail.update({
      where: { id },
      data: {
        version: { increment: 1 },
        updatedAt: now,
        queued,
        ...(patch.sendAt && { sendAt: patch.sendAt, dueAt }),
        ...(patch.from !== undefined && { fromAddress: patch.from }),
        ...(patch.replyTo !== undefined && { replyTo: patch.replyTo }),
        ...(patch.subject !== undefined && { subject: patch.subject }),
        ...(patch.text !== undefined && { textBody: patch.text }),
        ...(patch.html !== undefined && { htmlBody: patch.html }),
        ...(patch.headers !== undefined && { headers: patch.headers }),
        ...(patch.expiresAfter !== undefined && { expiresAfterSeconds: patch.expiresAfter }),
        ...(rearm && { status: 'scheduled', failureReason: null, lastError: null, canceledAt: null, attemptsAtArm: email.attempts }),
      },
      select: { version: true, attempts: true, dueAt: true, createdAt: true, sendAt: true, status: true },
    });
    // The outbox, with the change: which fields the edit gave, and whether it re-armed the email.
    const changed = Object.keys(patch).filter((key) => patch[key as keyof UpdateEmailInput] !== undefined);
    await recordEvents(tx, [
      { emailId: id, type: 'email.updated', data: { status: updated.status, sendAt: updated.sendAt.toISOString(), changed, rearmed: rearm } },
    ]);
    if (!queued) return null;
    return {
      emailId: id.toString(),
      createdAt: updated.createdAt,
      tenantId: tenantId.toString(),
      version: updated.version,
      attempts: updated.attempts,
      dueAt: updated.dueAt,
    };
  });
}
