import { hostname } from 'node:os';
import { Worker } from 'bullmq';
import type { WorkerEnv } from '@postdate/config';
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
  reEnqueueDeliveries,
} from '@postdate/queue';
import { createDeliveryProcessor } from './process-delivery';
import { createSweepProcessor } from './process-sweep';
import { createLeaseEventReporter } from './report-lease-event';
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
  });
  const redis = createRedisConnection(config.REDIS_URL, 'worker');
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
  const deliveryCtx: DeliveryContext = {
    db, statements, transport: mail, enqueue, policy, mailDomain: config.MAIL_DOMAIN, horizonSeconds: config.ENQUEUE_HORIZON_SECONDS,
    onLeaseEvent: createLeaseEventReporter(workerLog, metrics),
  };
  const sweepCtx: SweepContext = {
    db, enqueue, reEnqueue: (targets) => reEnqueueDeliveries(deliveryQueue, targets), policy,
    horizonSeconds: config.ENQUEUE_HORIZON_SECONDS, graceMs: config.SWEEP_GRACE_MS, batchSize: config.SWEEP_BATCH_SIZE,
  };

  // BullMQ workers block on their own connections; we own them, so we close them.
  const blockingConnections = [createRedisConnection(config.REDIS_URL, 'worker'), createRedisConnection(config.REDIS_URL, 'worker')];
  const deliveries = new Worker(DELIVERY_QUEUE, createDeliveryProcessor(deliveryCtx, workerLog, metrics), {
    connection: blockingConnections[0]!,
    prefix: config.QUEUE_PREFIX,
    concurrency: config.WORKER_CONCURRENCY,
    // A BullMQ stall re-runs a job; harmless here (the claim decides), but the lease is the real timeout.
    lockDuration: Math.max(30_000, config.SMTP_TIMEOUT_MS + 5000),
  });
  const sweeps = new Worker(SWEEP_QUEUE, createSweepProcessor(sweepCtx, workerLog, metrics), {
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
      const counts = await deliveryQueue.getJobCounts('waiting', 'delayed', 'active', 'failed', 'completed');
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
    checks: { postgres: () => db.$queryRaw`SELECT 1`, redis: () => redis.ping() },
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
      const graceful = Promise.all([deliveries.close(), sweeps.close()]);
      const timedOut = await Promise.race([
        graceful.then(() => false),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(true), config.SHUTDOWN_GRACE_SECONDS * 1000).unref()),
      ]);
      if (timedOut) {
        // Unfinished sends keep their lease; the sweeper recovers them once it expires.
        workerLog.warn('grace period over; abandoning in-flight deliveries to lease recovery');
        await Promise.all([deliveries.close(true), sweeps.close(true)]);
      }
      await Promise.all([deliveryQueue.close(), sweepQueue.close()]);
      mail.close();
      await new Promise((resolve) => probes.close(resolve));
      await db.$disconnect();
      for (const connection of [redis, ...blockingConnections]) connection.disconnect();
      workerLog.info('worker stopped');
    },
  };
}
