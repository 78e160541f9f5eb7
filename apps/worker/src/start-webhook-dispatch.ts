import { Worker } from 'bullmq';
import { redisTarget, type WorkerEnv } from '@postdate/config';
import type { Database } from '@postdate/db/client';
import { createWebhookStatements, promoteDueWebhooks, type WebhookPolicy, type WebhookSweepContext } from '@postdate/domain';
import type { Logger } from '@postdate/observability';
import { WEBHOOK_QUEUE, createRedisConnection, createWebhookQueue, enqueueWebhooks, reEnqueueWebhooks } from '@postdate/queue';
import { createWebhookSender, type WebhookSender } from '@postdate/webhook';
import { createWebhookProcessor } from './process-webhook';
import { startWebhookPromoter } from './webhook-promoter';
import type { WorkerMetrics } from './worker-metrics';

// Per kind (claims, records), as for deliveries: most of the pool stays free for the other statements.
const WEBHOOK_STATEMENTS_IN_FLIGHT = 2;

export interface WebhookDispatch {
  /** What the sweeper needs for its webhook half (lease recovery, overdue re-adds). */
  sweep: WebhookSweepContext;
  /** Stops promoting and taking jobs; `force` abandons POSTs in flight to lease recovery. */
  stop(force?: boolean): Promise<void>;
  /** Closes the queue and the worker's own Redis connection, after stop. */
  close(): Promise<void>;
}

/** The worker's webhook side: the promoter on its timer, and a BullMQ worker of its own on the webhooks queue. */
export function startWebhookDispatch(
  config: WorkerEnv,
  deps: { db: Database; redis: ReturnType<typeof createRedisConnection>; workerId: string; log: Logger; metrics: WorkerMetrics; sender?: WebhookSender },
): WebhookDispatch {
  const { db, log, metrics } = deps;
  const queue = createWebhookQueue(deps.redis, config.QUEUE_PREFIX);
  queue.on('error', (error) => log.warn({ err: error.message, queue: queue.name }, 'queue error'));
  const policy: WebhookPolicy = {
    // A POST ends within WEBHOOK_TIMEOUT_MS, so a lease twice that (and never below LEASE_SECONDS) only runs
    // out on a worker that died: no renewal needed.
    leaseSeconds: Math.max(config.LEASE_SECONDS, Math.ceil((2 * config.WEBHOOK_TIMEOUT_MS) / 1000)),
    retryScheduleSeconds: config.WEBHOOK_RETRY_SCHEDULE,
    disableAfterHours: config.WEBHOOK_DISABLE_AFTER_HOURS,
  };
  const sender =
    deps.sender ?? createWebhookSender({ timeoutMs: config.WEBHOOK_TIMEOUT_MS, allowHttp: config.WEBHOOK_ALLOW_HTTP, allowPrivate: config.WEBHOOK_ALLOW_PRIVATE });
  const statements = createWebhookStatements(
    db,
    { workerId: deps.workerId, leaseSeconds: policy.leaseSeconds, disableAfterHours: policy.disableAfterHours },
    {
      maxBatchSize: config.DELIVERY_BATCH_SIZE,
      maxInFlight: WEBHOOK_STATEMENTS_IN_FLIGHT,
      maxWaitMs: config.DELIVERY_BATCH_WAIT_MS,
      onBatch: (statement, size) => metrics.statementBatchSize.observe({ statement: `webhook_${statement}` }, size),
    },
  );
  const connection = createRedisConnection(redisTarget(config), 'worker');
  const worker = new Worker(WEBHOOK_QUEUE, createWebhookProcessor({ statements, sender, policy }, log, metrics), {
    connection,
    prefix: config.QUEUE_PREFIX,
    concurrency: config.WEBHOOK_CONCURRENCY,
    // A BullMQ stall re-runs a job; harmless (the claim decides), and the POST is bounded well inside this.
    lockDuration: Math.max(30_000, config.WEBHOOK_TIMEOUT_MS + 5000),
  });
  worker.on('error', (error) => log.error({ err: error }, 'webhook queue worker error'));
  worker.on('failed', (job, error) => {
    if (job && job.attemptsMade < (job.opts.attempts ?? 1)) log.warn({ jobId: job.id, deliveryId: job.data.deliveryId, err: error.message }, 'webhook job failed; BullMQ will retry');
  });
  const promoter = startWebhookPromoter({
    promote: () => promoteDueWebhooks(db, config.SWEEP_BATCH_SIZE),
    enqueue: (targets) => enqueueWebhooks(queue, targets),
    intervalMs: config.WEBHOOK_POLL_MS,
    batchSize: config.SWEEP_BATCH_SIZE,
    log,
  });

  return {
    sweep: {
      db,
      policy,
      reEnqueue: (targets) => reEnqueueWebhooks(queue, targets),
      graceMs: config.SWEEP_GRACE_MS,
      batchSize: config.SWEEP_BATCH_SIZE,
    },
    async stop(force = false) {
      await promoter.stop();
      await worker.close(force);
    },
    async close() {
      await queue.close();
      connection.disconnect();
    },
  };
}
