import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Everything the worker reports on /metrics. One registry per process (tests run several in one). */
export function createWorkerMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    deliveries: new Counter({
      name: 'postdate_deliveries_total',
      help: 'Delivery jobs by outcome (sent, failed, retry_scheduled, skipped, not_due, expired, lost_claim) and reason',
      labelNames: ['outcome', 'reason'] as const,
      registers: [registry],
    }),
    lateness: new Histogram({
      name: 'postdate_delivery_lateness_seconds',
      help: 'Time from an email\'s sendAt to the SMTP server accepting it',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600],
      registers: [registry],
    }),
    smtpDuration: new Histogram({
      name: 'postdate_smtp_duration_seconds',
      help: 'Duration of one SMTP send, success or failure',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    leaseRenewals: new Counter({
      name: 'postdate_lease_renewals_total',
      help: 'Lease renewals during slow sends by outcome: renewed, failed (retried next tick), lost (taken back), gave_up (send presumed hung)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    relayThrottled: new Counter({
      name: 'postdate_relay_throttled_total',
      help: 'Throttling replies from the relay (421/451/454 naming a rate or concurrency limit): each paused sending',
      registers: [registry],
    }),
    domainChecks: new Counter({
      name: 'postdate_domain_checks_total',
      help: "Sender domains' periodic DNS re-checks by what they found of the DKIM record: verified, missing, mismatch, lookup_failed",
      labelNames: ['dkim'] as const,
      registers: [registry],
    }),
    domainStatusChanges: new Counter({
      name: 'postdate_domain_status_changes_total',
      help: 'Sender domains a re-check moved: to unverified (record gone or changed), to verified (record back)',
      labelNames: ['to'] as const,
      registers: [registry],
    }),
    sweeps: new Counter({
      name: 'postdate_sweeper_actions_total',
      help: 'Sweeper actions: leases_recovered, leases_failed, promoted, re_enqueued, delayed_run_now, retention_deleted',
      labelNames: ['action'] as const,
      registers: [registry],
    }),
    statementBatchSize: new Histogram({
      name: 'postdate_delivery_statement_batch_size',
      help: 'Deliveries carried by one claim, sender-domain or sent-record statement (grows when the database is the bottleneck)',
      labelNames: ['statement'] as const,
      buckets: [1, 2, 4, 8, 16, 32, 64],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'postdate_queue_jobs',
      help: 'Delivery queue jobs by state, sampled by each worker',
      labelNames: ['state'] as const,
      registers: [registry],
    }),
    webhookDeliveries: new Counter({
      name: 'postdate_webhook_deliveries_total',
      help: 'Webhook jobs by outcome: delivered, retry_scheduled, failed (retries exhausted), endpoint_disabled (ended unsent), skipped (duplicate/stale jobs), lost_claim',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    webhookLag: new Histogram({
      name: 'postdate_webhook_lag_seconds',
      help: "Time from an event's creation to the receiver's 2xx, retries included",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600, 86_400],
      registers: [registry],
    }),
  };
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;
