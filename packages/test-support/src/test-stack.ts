import { startApi, type RunningApi } from '@postdate/api/start';
import { inTransaction } from '@postdate/db';
import { connectDatabase, type Database } from '@postdate/db/client';
import { createTenant } from '@postdate/domain';
import { createLogger } from '@postdate/observability';
import { startWorker, type RunningWorker } from '@postdate/worker/start';
import { createTestDatabase, type TestDatabase } from './test-database';
import { apiConfig, redisUrl, uniqueQueuePrefix, workerConfig, type Environment } from './test-env';

const silent = () => createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', service: 'test' });

export interface ApiClient {
  key: string;
  tenantId: bigint;
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
}

/**
 * One scenario's world: its own database and queue prefix, an in-process API, and helpers to add
 * tenants and in-process workers. Everything is torn down by `close()`.
 */
export interface TestStack extends Environment {
  database: TestDatabase;
  db: Database;
  api: RunningApi;
  baseUrl: string;
  tenant(name?: string): Promise<ApiClient>;
  startWorker(smtpUrl: string, overrides?: Record<string, string>): Promise<RunningWorker>;
  close(): Promise<void>;
}

export async function startTestStack(
  options: { redisUrl?: string; apiOverrides?: Record<string, string>; adminDatabaseUrl?: string } = {},
): Promise<TestStack> {
  const database = await createTestDatabase(undefined, options.adminDatabaseUrl);
  const env: Environment = { databaseUrl: database.url, redisUrl: options.redisUrl ?? redisUrl(), queuePrefix: uniqueQueuePrefix() };
  const db = connectDatabase({ url: database.url, poolSize: 5 });
  const api = await startApi(apiConfig(env, options.apiOverrides), silent());
  const baseUrl = `http://127.0.0.1:${api.port}`;
  const workers: RunningWorker[] = [];
  let tenants = 0;

  return {
    ...env,
    database,
    db,
    api,
    baseUrl,
    async tenant(name) {
      const created = await inTransaction(db, (tx) => createTenant(tx, name ?? `tenant-${++tenants}`));
      return {
        key: created.apiKey,
        tenantId: created.tenantId,
        async request(method, path, body, headers = {}) {
          const response = await fetch(`${baseUrl}${path}`, {
            method,
            headers: { authorization: `Bearer ${created.apiKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
            ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
          });
          const text = await response.text();
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // Not JSON: tests assert on that themselves.
          }
          return { status: response.status, body: parsed, headers: response.headers };
        },
      };
    },
    async startWorker(smtpUrl, overrides) {
      const worker = await startWorker(workerConfig(env, smtpUrl, overrides), silent());
      workers.push(worker);
      return worker;
    },
    async close() {
      await Promise.all(workers.map((w) => w.stop()));
      await api.stop();
      await db.$disconnect();
      await database.drop();
    },
  };
}
