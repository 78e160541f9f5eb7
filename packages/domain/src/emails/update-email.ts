import type { Db } from '@postdate/db';
import type { DeliveryTarget } from '../delivery/delivery-target';
import { ConflictError, ValidationFailedError } from '../errors';
import type { UpdateEmailInput } from './email-input';
import { consumeQuota } from '../quota/consume-quota';
import { lockEmail } from './lock-email';
import { replaceRecipients } from './replace-recipients';

export interface UpdateEmailCommand {
  tenantId: bigint;
  id: bigint;
  patch: UpdateEmailInput;
  now: Date;
  enqueueHorizonSeconds: number;
}

/**
 * Edits a scheduled email under its row lock and bumps its version, so every job already in Redis
 * becomes a no-op and only the job returned here (for the new version) can send it. A failed or
 * canceled email is re-armed by an edit that gives a new sendAt.
 */
export async function updateEmail(tx: Db, command: UpdateEmailCommand): Promise<DeliveryTarget | null> {
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

  if (patch.to || patch.cc || patch.bcc) {
    const { added } = await replaceRecipients(tx, id, {
      ...(patch.to && { to: patch.to }),
      ...(patch.cc && { cc: patch.cc }),
      ...(patch.bcc && { bcc: patch.bcc }),
    });
    // Newly added addresses count against the daily quota like a new email's would.
    await consumeQuota(tx, tenantId, added, now);
  }
  if (patch.metadata) {
    const deleted = Object.keys(patch.metadata).filter((k) => patch.metadata![k] === null);
    // Key-by-key merge computed from the stored value under our row lock: concurrent edits of different
    // keys both survive, and a key set to null is deleted.
    await tx.$executeRaw`
      UPDATE scheduled_email
      SET metadata = (metadata || ${JSON.stringify(patch.metadata)}::jsonb) - ${deleted}::text[]
      WHERE id = ${id}`;
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
    select: { version: true, attempts: true, dueAt: true, createdAt: true },
  });
  if (!queued) return null;
  return {
    emailId: id.toString(),
    createdAt: updated.createdAt,
    tenantId: tenantId.toString(),
    version: updated.version,
    attempts: updated.attempts,
    dueAt: updated.dueAt,
  };
}
