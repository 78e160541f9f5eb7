import { hostname } from 'node:os';
import { Worker } from 'bullmq';
import { redisTarget, type WorkerEnv } from '@postdate/config';
import { connectDatabase } from '@postdate/db/client';
import { createDeliveryStatements, type DeliveryContext, type DeliveryPolicy, type SweepContext } from '@postdate/domain';
import type { MailTransport } from '@postdate/mail';
import { createSmtpTransport } from '@postdate/mail/smtp';
import { startProbeServer, type Logger } from '@postdate/observability';
import {
  DELIVERY_QUEUE,
  SWEEP_QUEUE,
  createDeliveryQueue,
  createRedisConnection,
  createSweepQueue,
  enqueueDeliveries,
  ensureSweepScheduler,
  nextRelayPause,
  waitForSendSlot,
  overdueCursorStore,
  pingQueueRedis,
  reEnqueueDeliveries,
} from '@postdate/queue';
import { createDeliveryProcessor } from './process-delivery';
import { createDomainRecheck } from './process-domain-recheck';
import { createSweepProcessor } from './process-sweep';
import { createLeaseEventReporter } from './report-lease-event';
import { sendRateLimiter } from './send-rate-limiter';
import { workerSenderDomains } from './sender-domains';
import { startWebhookDispatch } from './start-webhook-dispatch';
import { createWorkerMetrics } from './worker-metrics';

// Per kind (claims, sent-records): leaves most of the pool to the other statements deliveries make.
const DELIVERY_STATEMENTS_IN_FLIGHT = 2;

export interface RunningWorker {
  /** Stops taking jobs, lets in-flight sends finish within the grace period, then closes everything. */
  stop(): Promise<void>;
  probePort: number;
}

export async function startWorker(config: WorkerEnv, log: Logger, transport?: MailTransport): Promise<RunningWorker> {
  const workerId = config.WORKER_ID ?? `${hostname()}-${process.pid}`;
  const metrics = createWorkerMetrics();
  const db = connectDatabase({
    url: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    onConnectionError: (error) => log.warn({ err: error.message }, 'postgres connection error; the pool replaces the connection'),
  });
  const redis = createRedisConnection(redisTarget(config), 'worker');
  const mail = transport ?? createSmtpTransport({ url: config.SMTP_URL, poolSize: config.SMTP_POOL_SIZE ?? config.WORKER_CONCURRENCY, timeoutMs: config.SMTP_TIMEOUT_MS });
  const deliveryQueue = createDeliveryQueue(redis, config.QUEUE_PREFIX);
  const sweepQueue = createSweepQueue(redis, config.QUEUE_PREFIX);
  for (const queue of [deliveryQueue, sweepQueue]) {
    queue.on('error', (error) => log.warn({ err: error.message, queue: queue.name }, 'queue error'));
  }
  const enqueue = (targets: Parameters<typeof enqueueDeliveries>[1]) => enqueueDeliveries(deliveryQueue, targets);

  const policy: DeliveryPolicy = {
    leaseSeconds: config.LEASE_SECONDS,
    maxSendSeconds: config.MAX_SEND_SECONDS,
    maxAttempts: config.MAX_ATTEMPTS,
    retryBaseSeconds: config.RETRY_BASE_SECONDS,
    retryMaxSeconds: config.RETRY_MAX_SECONDS,
    leaseRecovery: config.LEASE_RECOVERY,
  };
  const statements = createDeliveryStatements(
    db,
    { workerId, leaseSeconds: config.LEASE_SECONDS },
    {
      maxBatchSize: config.DELIVERY_BATCH_SIZE,
      maxInFlight: DELIVERY_STATEMENTS_IN_FLIGHT,
      maxWaitMs: config.DELIVERY_BATCH_WAIT_MS,
      onBatch: (statement, size) => metrics.statementBatchSize.observe({ statement }, size),
    },
  );
  const workerLog = log.child({ workerId });
  const senderDomains = workerSenderDomains(config);
  const maxPerSecond = config.SMTP_MAX_PER_SECOND;
  const deliveryCtx: DeliveryContext = {
    db, statements, transport: mail, enqueue, policy, mailDomain: config.MAIL_DOMAIN, horizonSeconds: config.ENQUEUE_HORIZON_SECONDS,
    senderDomains: senderDomains.domains,
    onLeaseEvent: createLeaseEventReporter(workerLog, metrics),
    relayThrottled: () => nextRelayPause(redis, config.QUEUE_PREFIX),
    ...(maxPerSecond ? { paceSend: () => waitForSendSlot(redis, config.QUEUE_PREFIX, maxPerSecond) } : {}),
  };
  const sweepCtx: SweepContext = {
    db, enqueue, reEnqueue: (targets) => reEnqueueDeliveries(deliveryQueue, targets), policy,
    horizonSeconds: config.ENQUEUE_HORIZON_SECONDS, graceMs: config.SWEEP_GRACE_MS, batchSize: config.SWEEP_BATCH_SIZE,
    // A pass checks overdue emails for about one interval, so passes on several workers do not pile up.
    overdueBudgetMs: config.SWEEP_INTERVAL_MS, overdueCursor: overdueCursorStore(sweepQueue),
    retentionDays: config.RETENTION_DAYS > 0 ? config.RETENTION_DAYS : null,
  };

  // One SMTP conversation before the queue worker takes its first job, waited for at most 2 s: the relay's
  // address and credentials checked (a warning now, not a failed email later), and the code of a send
  // warmed (not the pool: verify opens a connection of its own), so a new worker's first sends are not slower.
  const relayChecked = mail.verify().catch((error: Error) => workerLog.warn({ err: error.message }, 'the SMTP relay did not answer a check; starting anyway'));
  await Promise.race([relayChecked, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
  // BullMQ workers block on their own connections; we own them, so we close them.
  const blockingConnections = [createRedisConnection(redisTarget(config), 'worker'), createRedisConnection(redisTarget(config), 'worker')];
  const pauseSending = (ms: number) => deliveryQueue.rateLimit(ms);
  const deliveries = new Worker(DELIVERY_QUEUE, createDeliveryProcessor(deliveryCtx, workerLog, metrics, pauseSending), {
    connection: blockingConnections[0]!,
    prefix: config.QUEUE_PREFIX,
    concurrency: config.WORKER_CONCURRENCY,
    // SMTP_MAX_PER_SECOND: BullMQ's limiter (counted in Redis, for every worker process) fetches jobs at the
    // rate, so only a window's worth ever wait for the pacer (deliveryCtx.paceSend), which spaces the sends.
    ...(maxPerSecond ? { limiter: sendRateLimiter(maxPerSecond) } : {}),
    // A BullMQ stall re-runs a job; harmless here (the claim decides), but the lease is the real timeout.
    lockDuration: Math.max(30_000, config.SMTP_TIMEOUT_MS + 5000),
  });
  // Webhooks: the promoter's timer and a queue worker of their own, so a slow receiver never holds up an email.
  const webhooks = startWebhookDispatch(config, { db, redis, workerId, log: workerLog, metrics });
  const sweeps = new Worker(SWEEP_QUEUE, createSweepProcessor(sweepCtx, workerLog, metrics, webhooks.sweep, createDomainRecheck(db, senderDomains.recheck, workerLog, metrics)), {
    connection: blockingConnections[1]!,
    prefix: config.QUEUE_PREFIX,
    concurrency: 1,
  });
  for (const w of [deliveries, sweeps]) {
    w.on('error', (error) => workerLog.error({ err: error }, 'queue worker error'));
    w.on('failed', (job, error) => {
      if (job && job.attemptsMade < (job.opts.attempts ?? 1)) workerLog.warn({ jobId: job.id, emailId: (job.data as { emailId?: string }).emailId, err: error.message }, 'job failed; BullMQ will retry');
    });
  }

  // Keeps the sweep scheduler alive across Redis flushes; also samples queue depth for /metrics.
  const ensureScheduler = async () => {
    try {
      if (await ensureSweepScheduler(sweepQueue, config.SWEEP_INTERVAL_MS)) workerLog.info('sweep scheduler registered');
      const counts = await deliveryQueue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'failed', 'completed');
      for (const [state, count] of Object.entries(counts)) metrics.queueDepth.set({ state }, count);
    } catch (error) {
      workerLog.warn({ err: (error as Error).message }, 'could not check the sweep scheduler');
    }
  };
  await ensureScheduler();
  const schedulerTimer = setInterval(ensureScheduler, Math.max(1000, config.SWEEP_INTERVAL_MS));

  let shuttingDown = false;
  const probes = await startProbeServer({
    port: config.METRICS_PORT,
    registry: metrics.registry,
    isShuttingDown: () => shuttingDown,
    checks: { postgres: () => db.$queryRaw`SELECT 1`, redis: () => pingQueueRedis(redis, config.QUEUE_PREFIX) },
    log: workerLog,
  });
  const address = probes.address();
  const probePort = typeof address === 'object' && address ? address.port : config.METRICS_PORT;
  workerLog.info({ concurrency: config.WORKER_CONCURRENCY, probePort }, 'worker started');

  return {
    probePort,
    async stop() {
      if (shuttingDown) return;
      shuttingDown = true;
      clearInterval(schedulerTimer);
      workerLog.info({ graceSeconds: config.SHUTDOWN_GRACE_SECONDS }, 'stopping: finishing in-flight deliveries');
      const graceful = Promise.all([deliveries.close(), sweeps.close(), webhooks.stop()]);
      const timedOut = await Promise.race([
        graceful.then(() => false),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(true), config.SHUTDOWN_GRACE_SECONDS * 1000).unref()),
      ]);
      if (timedOut) {
        // Unfinished sends keep their lease; the sweeper recovers them once it expires.
        workerLog.warn('grace period over; abandoning in-flight deliveries to lease recovery');
        await Promise.all([deliveries.close(true), sweeps.close(true), webhooks.stop(true)]);
      }
      await Promise.all([deliveryQueue.close(), sweepQueue.close(), webhooks.close()]);
      mail.close();
      await new Promise((resolve) => probes.close(resolve));
      await db.$disconnect();
      for (const connection of [redis, ...blockingConnections]) connection.disconnect();
      workerLog.info('worker stopped');
    },
  };
}
