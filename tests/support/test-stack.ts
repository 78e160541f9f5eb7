import { startApi, type RunningApi } from '@postdate/api/start';
import { connectDatabase, type Database } from '@postdate/db/client';
import { createTenant } from '@postdate/domain';
import { createLogger } from '@postdate/observability';
import { startWorker, type RunningWorker } from '@postdate/worker/start';
import { createTestDatabase, type TestDatabase } from '@postdate/db/testing';
import { apiClient, apiConfig, clusterEnvironment, redisUrl, uniqueQueuePrefix, workerConfig, type ApiClient, type Environment, type RedisClusterServers } from '@postdate/test-support';

const silent = () => createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', service: 'test' });

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
  options: {
    redisUrl?: string;
    /** Run on this Redis Cluster instead, the apps given one node only: one that does not own the queue prefix's slot. */
    redisCluster?: RedisClusterServers;
    apiOverrides?: Record<string, string>;
    adminDatabaseUrl?: string;
  } = {},
): Promise<TestStack> {
  const database = await createTestDatabase(undefined, options.adminDatabaseUrl);
  const single: Environment = { databaseUrl: database.url, redisUrl: options.redisUrl ?? redisUrl(), queuePrefix: uniqueQueuePrefix() };
  const env = options.redisCluster ? await clusterEnvironment(single, options.redisCluster) : single;
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
      const created = await createTenant(db, name ?? `tenant-${++tenants}`);
      return apiClient(baseUrl, { key: created.apiKey, tenantId: created.tenantId });
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
