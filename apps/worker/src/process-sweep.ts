import { sweepDueEmails, type SweepContext, type SweepReport, type WebhookSweepContext } from '@postdate/domain';
import type { Logger } from '@postdate/observability';
import { createWebhookSweep } from './process-webhook-sweep';
import type { WorkerMetrics } from './worker-metrics';

export function createSweepProcessor(
  ctx: SweepContext,
  log: Logger,
  metrics: WorkerMetrics,
  webhooks?: WebhookSweepContext,
  recheckDomains: () => Promise<void> = async () => undefined,
) {
  const sweepWebhooks = webhooks ? createWebhookSweep(webhooks, log, metrics) : async () => undefined;
  return async (): Promise<SweepReport> => {
    // Sender domains' DNS re-checks last: a slow DNS never delays an email's recovery within a pass.
    const report = await sweepDueEmails(ctx).finally(sweepWebhooks).finally(recheckDomains);
    metrics.sweeps.inc({ action: 'leases_recovered' }, report.leasesRecovered);
    metrics.sweeps.inc({ action: 'leases_failed' }, report.leasesFailed);
    metrics.sweeps.inc({ action: 'promoted' }, report.promoted);
    metrics.sweeps.inc({ action: 're_enqueued' }, report.reEnqueued);
    metrics.sweeps.inc({ action: 'delayed_run_now' }, report.delayedRunNow);
    metrics.sweeps.inc({ action: 'retention_deleted' }, report.emailsDeleted);
    if (Object.values(report).some((count) => count > 0)) {
      log.info(report, 'sweep pass');
    }
    return report;
  };
}
