import type { DatabaseClient } from '@postdate/db';
import type { DeliveryPolicy } from './delivery-policy';
import type { EnqueueDeliveries } from './delivery-target';
import { promoteToHorizon } from './promote-to-horizon';
import { reEnqueueOverdueEmails, type OverdueScan } from './re-enqueue-overdue-emails';
import { recoverExpiredLeases } from './recover-expired-leases';
import { deleteExpiredEmails } from '../retention/delete-expired-emails';

/**
 * Retention deletes at most this many batches (of batchSize) per pass: at the defaults 5 000 emails every
 * 5 s, 86 M a day, so it keeps up with any sending rate this system reaches, while a first run over years of
 * history proceeds in short transactions that never hold up deliveries for long.
 */
const RETENTION_BATCHES_PER_PASS = 10;

export interface SweepContext extends OverdueScan {
  db: DatabaseClient & OverdueScan['db'];
  enqueue: EnqueueDeliveries;
  policy: DeliveryPolicy;
  horizonSeconds: number;
  /** Finished emails are deleted this many days after they finished; null (or absent) keeps them. */
  retentionDays?: number | null;
}

export interface SweepReport {
  leasesRecovered: number;
  leasesFailed: number;
  promoted: number;
  reEnqueued: number;
  delayedRunNow: number;
  emailsDeleted: number;
}

/**
 * One pass of the safety net: take back crashed sends, give jobs to emails entering the horizon, and
 * re-add jobs for emails that are late with no job; then delete finished emails past their retention. The
 * first two are a bounded batch each and retention a bounded number of batches, the next pass continuing;
 * the overdue scan pages through every late email, within its time budget.
 */
export async function sweepDueEmails(ctx: SweepContext): Promise<SweepReport> {
  const recovery = await recoverExpiredLeases(ctx.db, ctx.policy, ctx.batchSize, ctx.clock);
  await ctx.enqueue(recovery.rescheduled);

  const promoted = await promoteToHorizon(ctx.db, ctx.horizonSeconds, ctx.batchSize);
  await ctx.enqueue(promoted);

  const { reEnqueued, delayedRunNow } = await reEnqueueOverdueEmails(ctx);

  let emailsDeleted = 0;
  for (let batch = 0; ctx.retentionDays != null && batch < RETENTION_BATCHES_PER_PASS; batch++) {
    const deleted = await deleteExpiredEmails(ctx.db, ctx.retentionDays, ctx.batchSize);
    emailsDeleted += deleted;
    if (deleted < ctx.batchSize) break;
  }

  return {
    leasesRecovered: recovery.rescheduled.length,
    leasesFailed: recovery.failed.length,
    promoted: promoted.length,
    reEnqueued,
    delayedRunNow,
    emailsDeleted,
  };
}
