import { createServer, type Server } from 'node:http';
import { redisTarget, type ApiEnv } from '@postdate/config';
import { connectDatabase } from '@postdate/db/client';
import { createApiKeyAuthenticator, createEmailBatcher } from '@postdate/domain';
import { startProbeServer, type Logger } from '@postdate/observability';
import { createDeliveryQueue, createRedisConnection, createSweepQueue, createWebhookQueue, enqueueDeliveries, pingQueueRedis } from '@postdate/queue';
import type { ApiContext } from './api-context';
import { createApiMetrics } from './api-metrics';
import { createApp } from './create-app';
import { apiSenderDomains } from './sender-domains';

export interface RunningApi {
  port: number;
  /** The separate /metrics port when API_METRICS_PORT is set. */
  metricsPort?: number;
  context: ApiContext;
  /** Stops accepting connections, lets in-flight requests finish, then closes pools. */
  stop(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

export async function startApi(config: ApiEnv, log: Logger): Promise<RunningApi> {
  const db = connectDatabase({
    url: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    onConnectionError: (error) => log.warn({ err: error.message }, 'postgres connection error; the pool replaces the connection'),
  });
  const redis = createRedisConnection(redisTarget(config), 'producer');
  redis.on('error', (error) => log.warn({ err: error.message }, 'redis connection error'));
  const deliveryQueue = createDeliveryQueue(redis, config.QUEUE_PREFIX);
  const sweepQueue = createSweepQueue(redis, config.QUEUE_PREFIX);
  const webhookQueue = createWebhookQueue(redis, config.QUEUE_PREFIX);
  for (const queue of [deliveryQueue, sweepQueue, webhookQueue]) {
    queue.on('error', (error) => log.warn({ err: error.message, queue: queue.name }, 'queue error'));
  }
  const senderDomains = apiSenderDomains(config);
  let shuttingDown = false;
  const context: ApiContext = {
    config, db, redis, deliveryQueue, sweepQueue, webhookQueue, log,
    enqueue: (targets) => enqueueDeliveries(deliveryQueue, targets),
    // Few statements in flight, so that whatever arrives meanwhile goes together in the next one: measured
    // at 20 concurrent clients, 0.55 statements per request instead of 0.7 with 5 creates in flight,
    // and more req/s; a timer wait on top (2 ms) only added latency (BENCHMARKS.md, API). Two of each, so
    // that one slow statement never stops all authentication; creates are batched per tenant, so one
    // tenant's write waiting on its quota row never holds up another tenant's.
    authenticateKey: createApiKeyAuthenticator(db, { maxInFlight: 2 }),
    createEmail: createEmailBatcher(db, {
      enqueueHorizonSeconds: config.ENQUEUE_HORIZON_SECONDS,
      maxBatchSize: 100,
      maxInFlight: 2,
      maxWaitMs: 0,
      senderPolicy: senderDomains.policy,
    }),
    senderDomains,
    metrics: createApiMetrics(),
    isShuttingDown: () => shuttingDown,
  };
  const server = createServer(createApp(context));
  const port = await listen(server, config.PORT, config.HOST);
  // With API_METRICS_PORT set, /metrics is served only there (e.g. bound to a cluster-internal port).
  const metricsServer =
    config.API_METRICS_PORT === undefined
      ? undefined
      : await startProbeServer({
          port: config.API_METRICS_PORT,
          host: config.HOST,
          registry: context.metrics.registry,
          isShuttingDown: () => shuttingDown,
          checks: { postgres: () => db.$queryRaw`SELECT 1`, redis: () => pingQueueRedis(redis, config.QUEUE_PREFIX) },
          log,
        });
  log.info({ port, metricsPort: config.API_METRICS_PORT }, 'api listening');
  const metricsAddress = metricsServer?.address();
  return {
    port,
    ...(metricsAddress && typeof metricsAddress === 'object' ? { metricsPort: metricsAddress.port } : {}),
    context,
    async stop() {
      shuttingDown = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => {
          server.closeAllConnections();
          resolve();
        }, config.SHUTDOWN_GRACE_SECONDS * 1000).unref();
      });
      metricsServer?.close();
      await Promise.all([deliveryQueue.close(), sweepQueue.close(), webhookQueue.close()]);
      await db.$disconnect();
      redis.disconnect();
      log.info('api stopped');
    },
  };
}
