import { sweepDueEmails, type SweepContext, type SweepReport } from '@postdate/domain';
import type { Logger } from '@postdate/observability';
import type { WorkerMetrics } from './worker-metrics';

export function createSweepProcessor(ctx: SweepContext, log: Logger, metrics: WorkerMetrics) {
  return async (): Promise<SweepReport> => {
    const report = await sweepDueEmails(ctx);
    metrics.sweeps.inc({ action: 'leases_recovered' }, report.leasesRecovered);
    metrics.sweeps.inc({ action: 'leases_failed' }, report.leasesFailed);
    metrics.sweeps.inc({ action: 'promoted' }, report.promoted);
    metrics.sweeps.inc({ action: 're_enqueued' }, report.reEnqueued);
    metrics.sweeps.inc({ action: 'delayed_run_now' }, report.delayedRunNow);
    if (Object.values(report).some((count) => count > 0)) {
      log.info(report, 'sweep pass');
    }
    return report;
  };
}
