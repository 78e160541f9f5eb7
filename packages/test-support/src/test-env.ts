import { randomBytes } from 'node:crypto';
import { apiEnvSchema, loadConfig, workerEnvSchema, type ApiEnv, type WorkerEnv } from '@postdate/config';

export function redisUrl(): string {
  return process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/** A queue prefix of this test's own, so test files sharing one Redis never see each other's jobs. */
export function uniqueQueuePrefix(): string {
  return `{pdt-${randomBytes(5).toString('hex')}}`;
}

export interface Environment {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
}

/** Environment variables for a worker process, fast-paced for tests. */
export function workerVariables(env: Environment, smtpUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: env.redisUrl,
    QUEUE_PREFIX: env.queuePrefix,
    SMTP_URL: smtpUrl,
    MAIL_DOMAIN: 'postdate.test',
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
    REDIS_URL: env.redisUrl,
    QUEUE_PREFIX: env.queuePrefix,
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_POOL_SIZE: '10',
    SHUTDOWN_GRACE_SECONDS: '5',
    // The race suite fires thousands of requests per minute from one key; rate-limit tests turn it on.
    RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...overrides,
  });
}
