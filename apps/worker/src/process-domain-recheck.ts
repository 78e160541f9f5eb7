import type { Db } from '@postdate/db';
import { recheckDomains, type DomainRecheckSettings } from '@postdate/domain';
import type { Logger } from '@postdate/observability';
import type { WorkerMetrics } from './worker-metrics';

/**
 * The sweeper's last step: look due sender domains up again. Never throws: a DNS or database failure here
 * is logged and the domains are tried again on their next turn, without failing the sweep pass.
 */
export function createDomainRecheck(db: Db, settings: DomainRecheckSettings, log: Logger, metrics: WorkerMetrics): () => Promise<void> {
  return async () => {
    try {
      const report = await recheckDomains(db, settings);
      for (const { dkim } of report.checked) metrics.domainChecks.inc({ dkim });
      for (const { id, name } of report.lapsed) {
        metrics.domainStatusChanges.inc({ to: 'unverified' });
        log.warn({ domainId: id.toString(), domain: name }, 'sender domain unverified: its DKIM record is gone or changed');
      }
      for (const { id, name } of report.restored) {
        metrics.domainStatusChanges.inc({ to: 'verified' });
        log.info({ domainId: id.toString(), domain: name }, 'sender domain verified again');
      }
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'sender domain re-check failed; retried on the next pass');
    }
  };
}
