import { inTransaction, type DatabaseClient } from '@postdate/db';
import type { DeliveryPolicy } from './delivery-policy';
import type { DeliveryTarget, EnqueueDeliveries } from './delivery-target';
import { findOverdueEmails } from './find-overdue-emails';
import { promoteToHorizon } from './promote-to-horizon';
import { recoverExpiredLeases } from './recover-expired-leases';

export interface SweepContext {
  db: DatabaseClient & Parameters<typeof findOverdueEmails>[0];
  enqueue: EnqueueDeliveries;
  /** Gives overdue emails a job that runs now: re-adds missing ones, runs delayed ones; says how many of each. */
  reEnqueue: (targets: DeliveryTarget[]) => Promise<{ reEnqueued: number; delayedRunNow: number }>;
  policy: DeliveryPolicy;
  horizonSeconds: number;
  graceMs: number;
  batchSize: number;
}

export interface SweepReport {
  leasesRecovered: number;
  leasesFailed: number;
  promoted: number;
  reEnqueued: number;
  delayedRunNow: number;
}

/**
 * One pass of the safety net: take back crashed sends, give jobs to emails entering the horizon, and
 * re-add jobs for emails that are late with no job. Each step is a bounded batch; the next pass continues.
 */
export async function sweepDueEmails(ctx: SweepContext): Promise<SweepReport> {
  const recovery = await inTransaction(ctx.db, (tx) => recoverExpiredLeases(tx, ctx.policy, ctx.batchSize));
  await ctx.enqueue(recovery.rescheduled);

  const promoted = await inTransaction(ctx.db, (tx) => promoteToHorizon(tx, ctx.horizonSeconds, ctx.batchSize));
  await ctx.enqueue(promoted);

  const overdue = await findOverdueEmails(ctx.db, ctx.graceMs, ctx.batchSize);
  const { reEnqueued, delayedRunNow } = overdue.length > 0 ? await ctx.reEnqueue(overdue) : { reEnqueued: 0, delayedRunNow: 0 };

  return {
    leasesRecovered: recovery.rescheduled.length,
    leasesFailed: recovery.failed.length,
    promoted: promoted.length,
    reEnqueued,
    delayedRunNow,
  };
}
