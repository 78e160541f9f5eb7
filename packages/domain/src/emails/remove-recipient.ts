import { inTransaction, type Db } from '@postdate/db';
import { ConflictError, NotFoundError } from '../errors';
import { markCanceled } from './cancel-email';
import { recordEvents } from '../events/record-events';
import { lockEmail, lockRecipients } from './lock-email';
import { addressKey, parseAddress } from './parse-address';

export interface RemovedRecipient {
  /** True when this was the last recipient and the email is now canceled. */
  emailCanceled: boolean;
}

/**
 * Takes one address off a scheduled email (Zulip's clear_scheduled_emails). The claim reads recipients
 * under the email row lock, so a removal acknowledged here is never sent to; removing the last one
 * cancels the email rather than leave it with nobody to send to.
 */
export function removeRecipient(db: Db, tenantId: bigint, id: bigint, rawAddress: string): Promise<RemovedRecipient> {
  return inTransaction(db, async (tx) => {
    const email = await lockEmail(tx, tenantId, id);
    if (email.status !== 'scheduled') {
      throw new ConflictError(`email ${id} is ${email.status}; recipients can only be removed while it is scheduled`, { status: email.status });
    }
    const parsed = parseAddress(rawAddress);
    const wanted = addressKey('error' in parsed ? rawAddress : parsed.address);
    const recipients = (await lockRecipients(tx, id)).filter((r) => r.status !== 'removed');
    const target = recipients.find((r) => addressKey(r.address) === wanted);
    if (!target) throw new NotFoundError(`recipient ${rawAddress.slice(0, 320)} not found on email ${id}`);
    // Under the email and recipient locks taken above.
    await tx.$executeRaw`UPDATE recipient SET status = 'removed', updated_at = now() WHERE id = ${target.id}`;
    if (recipients.length === 1) {
      await markCanceled(tx, id, 'last_recipient_removed');
      return { emailCanceled: true };
    }
    await tx.$executeRaw`UPDATE scheduled_email SET updated_at = now() WHERE id = ${id}`;
    await recordEvents(tx, [{ emailId: id, type: 'email.updated', data: { status: 'scheduled', changed: ['recipients'], removedRecipient: target.address } }]);
    return { emailCanceled: false };
  });
}
