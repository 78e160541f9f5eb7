import type { Db } from '@postdate/db';
import { recordEvents } from '../events/record-events';

/**
 * Recipients the claim found on their tenant's suppression list: marked `suppressed` (never sent to) with an
 * email.recipient_suppressed event each, in the claim's transaction, which holds their emails' row locks and
 * their own share locks.
 */
export async function markSuppressed(tx: Db, recipients: { id: bigint; emailId: bigint; address: string }[]): Promise<void> {
  if (recipients.length === 0) return;
  // Rows share-locked by the claim in id order; upgraded here in the same order.
  await tx.$executeRaw`
    UPDATE recipient SET status = 'suppressed', updated_at = now()
    WHERE id = ANY(${recipients.map((r) => r.id).sort((a, b) => (a < b ? -1 : 1))}::bigint[]) AND status = 'pending'`;
  await recordEvents(
    tx,
    recipients.map((r) => ({ emailId: r.emailId, type: 'email.recipient_suppressed' as const, data: { address: r.address } })),
  );
}
