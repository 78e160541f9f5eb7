import type { LeaseEvent } from '@postdate/domain';
import type { Logger } from '@postdate/observability';
import type { WorkerMetrics } from './worker-metrics';

/** Counts every lease renewal of a slow send, and logs the ones an operator should hear about. */
export function createLeaseEventReporter(log: Logger, metrics: WorkerMetrics) {
  return (email: { emailId: bigint; attempt: number }, event: LeaseEvent): void => {
    metrics.leaseRenewals.inc({ outcome: event.outcome });
    const fields = { emailId: email.emailId.toString(), attempt: email.attempt };
    switch (event.outcome) {
      case 'renewed':
        return;
      case 'failed':
        log.warn({ ...fields, err: String(event.error) }, 'lease renewal failed; retrying at the next tick');
        return;
      case 'lost':
        log.error(fields, 'lease taken back while the send runs: if the relay accepts it, the email goes twice (same Message-ID)');
        return;
      case 'gave_up':
        log.error(fields, 'send still running after MAX_SEND_SECONDS, presumed hung: its lease is left to run out and the sweeper takes it back');
    }
  };
}
