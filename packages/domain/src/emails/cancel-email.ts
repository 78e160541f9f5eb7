import { inTransaction, type Db } from '@postdate/db';
import { ConflictError } from '../errors';
import { recordEvents } from '../events/record-events';
import { lockEmail } from './lock-email';

export type CancelReason = 'client' | 'last_recipient_removed';

/**
 * scheduled → canceled under the row lock. Because a delivery claim takes the same lock, either the
 * cancel commits first (the claim then finds `canceled` and sends nothing) or the claim does (the email
 * is `sending` or `sent` and the cancel answers 409): never both, never neither.
 * Returns false when the email was already canceled (cancel is idempotent).
 */
export function cancelEmail(db: Db, tenantId: bigint, id: bigint): Promise<boolean> {
  return inTransaction(db, async (tx) => {
    const email = await lockEmail(tx, tenantId, id);
    if (email.status === 'canceled') return false;
    if (email.status !== 'scheduled') {
      throw new ConflictError(`email ${id} is ${email.status} and can no longer be canceled`, { status: email.status });
    }
    await markCanceled(tx, id, 'client');
    return true;
  });
}

/** The state change itself and its event, for callers already holding the row lock on a scheduled email. */
export async function markCanceled(tx: Db, id: bigint, reason: CancelReason): Promise<void> {
  // Guarded on status: the caller holds the lock, so exactly one row must match; anything else is a bug.
  const updated = await tx.$executeRaw`
    UPDATE scheduled_email
    SET status = 'canceled', canceled_at = now(), version = version + 1, queued = false, updated_at = now()
    WHERE id = ${id} AND status = 'scheduled'`;
  if (updated !== 1) throw new Error(`email ${id}: cancel matched ${updated} rows under its own lock`);
  await recordEvents(tx, [{ emailId: id, type: 'email.canceled', data: { status: 'canceled', reason } }]);
}
