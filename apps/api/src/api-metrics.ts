import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createApiMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    emailsCreated: new Counter({
      name: 'postdate_emails_created_total',
      help: 'Emails accepted by the API (replays of an Idempotency-Key not counted)',
      registers: [registry],
    }),
    emailsCanceled: new Counter({
      name: 'postdate_emails_canceled_total',
      help: 'Emails canceled by clients, by reason (client, last_recipient_removed)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    enqueueFailures: new Counter({
      name: 'postdate_enqueue_failures_total',
      help: 'Jobs the API could not add to Redis after commit (the sweeper adds them later)',
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'postdate_http_request_duration_seconds',
      help: 'API request duration by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>;
