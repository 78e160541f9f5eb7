import type { DeliveryTarget } from '@postdate/domain';
import type { Logger } from '@postdate/observability';
import type { ApiContext } from './api-context';

/**
 * Adds jobs for rows that have committed. A Redis failure does not fail the request: the email is
 * accepted and durable, and the sweeper's overdue scan enqueues it. The failure is logged on `log`, the
 * request's logger, so the line carries the request id.
 */
export async function scheduleAfterCommit(ctx: ApiContext, log: Logger, targets: DeliveryTarget[]): Promise<void> {
  if (targets.length === 0) return;
  try {
    await ctx.enqueue(targets);
  } catch (error) {
    ctx.metrics.enqueueFailures.inc(targets.length);
    log.warn({ err: (error as Error).message, emails: targets.length }, 'enqueue failed; the sweeper will enqueue');
  }
}
