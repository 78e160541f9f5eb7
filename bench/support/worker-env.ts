import { workerVariables, type Environment } from '@postdate/test-support';
import { envInt } from './report';

/**
 * Worker settings for benchmarks: test-support's variables with production timings put back (a 5 s lease
 * or a 500 ms sweep is for tests that provoke failures, not for measuring), sizes from the environment.
 */
export function benchWorkerVariables(
  env: Environment,
  smtpUrl: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  const concurrency = envInt('WORKER_CONCURRENCY', 20);
  return workerVariables(env, smtpUrl, {
    WORKER_CONCURRENCY: String(concurrency),
    DATABASE_POOL_SIZE: String(envInt('DATABASE_POOL_SIZE', 10)),
    SMTP_POOL_SIZE: String(envInt('SMTP_POOL_SIZE', 5)),
    // Batching as configured in production unless the run overrides it.
    ...Object.fromEntries(
      ['DELIVERY_BATCH_SIZE', 'DELIVERY_BATCH_WAIT_MS'].flatMap((name) =>
        process.env[name] ? [[name, process.env[name]!]] : [],
      ),
    ),
    LEASE_SECONDS: '120',
    SMTP_TIMEOUT_MS: '30000',
    RETRY_BASE_SECONDS: '30',
    RETRY_MAX_SECONDS: '3600',
    MAX_ATTEMPTS: '8',
    SWEEP_INTERVAL_MS: '5000',
    SWEEP_GRACE_MS: '30000',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    ...overrides,
  });
}
