import { apiEnvSchema, loadConfig, workerEnvSchema, type ApiEnv, type WorkerEnv } from '@postdate/config';

/**
 * The tests' DKIM_ENCRYPTION_KEY (32 bytes, hex): a test that reads a sealed key back opens it with this.
 * Tests send from any domain (REQUIRE_VERIFIED_DOMAIN off) unless they test sender domains themselves.
 */
export const TEST_DKIM_ENCRYPTION_KEY = Buffer.from('postdate-tests-only-dkim-key-32b').toString('hex');

/**
 * Where tests look domains up unless they start a DNS server of their own (startDnsServer): a port on
 * 127.0.0.1 that nothing answers, so no test ever queries the machine's resolvers (tests talk to 127/8 only).
 */
const NO_DNS = '127.0.0.1:9';

export interface Environment {
  databaseUrl: string;
  redisUrl: string;
  /** A Redis Cluster (a REDIS_CLUSTER_NODES value): when set, the apps are given it instead of redisUrl. */
  redisClusterNodes?: string;
  queuePrefix: string;
}

/**
 * The same environment on a Redis Cluster. The apps are given one node only, and one that does not own the
 * queue prefix's slot: with REDIS_URL naming it, every enqueue would be answered MOVED; given as the cluster's
 * seed, the apps must learn the slot map from it.
 */
export async function clusterEnvironment(env: Environment, cluster: { nodesNotOwning(key: string): Promise<string> }): Promise<Environment> {
  return { ...env, redisClusterNodes: await cluster.nodesNotOwning(env.queuePrefix) };
}

/** REDIS_URL, or REDIS_CLUSTER_NODES for an environment on a Redis Cluster: never both, which config refuses. */
const redisVariables = (env: Environment): Record<string, string> =>
  env.redisClusterNodes ? { REDIS_CLUSTER_NODES: env.redisClusterNodes } : { REDIS_URL: env.redisUrl };

/** Environment variables for a worker process, fast-paced for tests. */
export function workerVariables(env: Environment, smtpUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: env.databaseUrl,
    ...redisVariables(env),
    QUEUE_PREFIX: env.queuePrefix,
    SMTP_URL: smtpUrl,
    MAIL_DOMAIN: 'postdate.test',
    REQUIRE_VERIFIED_DOMAIN: 'false',
    DKIM_ENCRYPTION_KEY: TEST_DKIM_ENCRYPTION_KEY,
    DNS_SERVERS: NO_DNS,
    METRICS_PORT: '0',
    DATABASE_POOL_SIZE: '5',
    WORKER_CONCURRENCY: '5',
    LEASE_SECONDS: '30',
    SMTP_TIMEOUT_MS: '3000',
    RETRY_BASE_SECONDS: '1',
    RETRY_MAX_SECONDS: '2',
    MAX_ATTEMPTS: '3',
    SWEEP_INTERVAL_MS: '500',
    SWEEP_GRACE_MS: '1500',
    SHUTDOWN_GRACE_SECONDS: '10',
    // Test receivers listen on 127.0.0.1 over plain http; retries come within seconds.
    WEBHOOK_ALLOW_HTTP: 'true',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEBHOOK_RETRY_SCHEDULE: '1,2,3',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...overrides,
  };
}

export function workerConfig(env: Environment, smtpUrl: string, overrides: Record<string, string> = {}): WorkerEnv {
  return loadConfig(workerEnvSchema, workerVariables(env, smtpUrl, overrides));
}

export function apiConfig(env: Environment, overrides: Record<string, string> = {}): ApiEnv {
  return loadConfig(apiEnvSchema, {
    DATABASE_URL: env.databaseUrl,
    ...redisVariables(env),
    QUEUE_PREFIX: env.queuePrefix,
    PORT: '0',
    HOST: '127.0.0.1',
    REQUIRE_VERIFIED_DOMAIN: 'false',
    DKIM_ENCRYPTION_KEY: TEST_DKIM_ENCRYPTION_KEY,
    DNS_SERVERS: NO_DNS,
    DATABASE_POOL_SIZE: '10',
    SHUTDOWN_GRACE_SECONDS: '5',
    // The race suite fires thousands of requests per minute from one key; rate-limit tests turn it on.
    RATE_LIMIT_PER_MINUTE: '0',
    WEBHOOK_ALLOW_HTTP: 'true',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...overrides,
  });
}
