import { connectDatabase, type Database } from '@postdate/db/client';
import { createTestDatabase, type TestDatabase } from '@postdate/db/testing';
import { createTenant } from '@postdate/domain';
import { createLogger, type Logger } from '@postdate/observability';
import { apiClient, apiConfig, clusterEnvironment, redisUrl, uniqueQueuePrefix, type ApiClient, type Environment, type RedisClusterServers } from '@postdate/test-support';
import { startApi, type RunningApi } from '../../src/start-api';

export const silentLogger = () => createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', service: 'test' });

/** The API in this process on a database and queue prefix of the test file's own, and its callers. */
export interface TestApi extends Environment {
  database: TestDatabase;
  db: Database;
  api: RunningApi;
  baseUrl: string;
  /** A new tenant and a client holding its first API key. */
  tenant(name?: string): Promise<ApiClient>;
  close(): Promise<void>;
}

export async function startTestApi(
  options: {
    apiOverrides?: Record<string, string>;
    log?: Logger;
    /** Run on this Redis Cluster instead, the API given one node only: one that does not own the queue prefix's slot. */
    redisCluster?: RedisClusterServers;
  } = {},
): Promise<TestApi> {
  const database = await createTestDatabase();
  const single: Environment = { databaseUrl: database.url, redisUrl: redisUrl(), queuePrefix: uniqueQueuePrefix() };
  const env = options.redisCluster ? await clusterEnvironment(single, options.redisCluster) : single;
  const db = connectDatabase({ url: database.url, poolSize: 5 });
  const api = await startApi(apiConfig(env, options.apiOverrides), options.log ?? silentLogger());
  const baseUrl = `http://127.0.0.1:${api.port}`;
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
    async close() {
      await api.stop();
      await db.$disconnect();
      await database.drop();
    },
  };
}
