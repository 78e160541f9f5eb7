import type { Db } from '@postdate/db';
import { findOverdueWebhooks, type OverdueWebhookCursor } from './find-overdue-webhooks';
import { recoverWebhookLeases } from './recover-webhook-leases';
import type { WebhookPolicy } from './webhook-policy';
import type { WebhookTarget } from './webhook-target';

export interface WebhookSweepContext {
  db: Db & Parameters<typeof recoverWebhookLeases>[0];
  policy: Pick<WebhookPolicy, 'retryScheduleSeconds'>;
  /** Makes sure each overdue delivery has a job that runs now; says how many were added. */
  reEnqueue: (targets: WebhookTarget[]) => Promise<number>;
  graceMs: number;
  batchSize: number;
}

export interface WebhookSweepReport {
  webhookLeasesRecovered: number;
  webhookLeasesFailed: number;
  webhooksReEnqueued: number;
}

/**
 * The webhook half of the sweeper's pass: take back POSTs whose worker died (the promoter gives them jobs
 * again), and re-add the jobs Redis lost, paging through every overdue delivery once per pass.
 */
export async function sweepWebhooks(ctx: WebhookSweepContext): Promise<WebhookSweepReport> {
  const recovery = await recoverWebhookLeases(ctx.db, ctx.policy, ctx.batchSize);
  let reEnqueued = 0;
  let after: OverdueWebhookCursor | null = null;
  do {
    const page = await findOverdueWebhooks(ctx.db, ctx.graceMs, ctx.batchSize, after);
    if (page.targets.length > 0) reEnqueued += await ctx.reEnqueue(page.targets);
    after = page.next;
  } while (after);
  return { webhookLeasesRecovered: recovery.retried, webhookLeasesFailed: recovery.failed, webhooksReEnqueued: reEnqueued };
}
