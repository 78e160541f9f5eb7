import { sweepWebhooks, type WebhookSweepContext } from '@postdate/domain';
import type { Logger } from '@postdate/observability';
import type { WorkerMetrics } from './worker-metrics';

/**
 * The webhook half of a sweep pass, run after the email half whatever became of it. Its own failure is
 * logged and counted here, never thrown: it must not hide the email half's error nor stop the next pass.
 */
export function createWebhookSweep(ctx: WebhookSweepContext, log: Logger, metrics: WorkerMetrics) {
  return async (): Promise<void> => {
    try {
      const report = await sweepWebhooks(ctx);
      metrics.sweeps.inc({ action: 'webhook_leases_recovered' }, report.webhookLeasesRecovered);
      metrics.sweeps.inc({ action: 'webhook_leases_failed' }, report.webhookLeasesFailed);
      metrics.sweeps.inc({ action: 'webhook_re_enqueued' }, report.webhooksReEnqueued);
      if (Object.values(report).some((count) => count > 0)) log.info(report, 'webhook sweep pass');
    } catch (error) {
      metrics.sweeps.inc({ action: 'webhook_sweep_failed' });
      log.warn({ err: (error as Error).message }, 'webhook sweep pass failed; the next pass tries again');
    }
  };
}
