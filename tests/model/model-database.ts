import { connectDatabase, type Database } from '@postdate/db/client';
import { createTestDatabase, type TestDatabase } from '@postdate/db/testing';
import { createTenant, markSent } from '@postdate/domain';
import type { ModelEnvironment } from './run-scenario';
import type { RecordSent } from './world';

/** The real sent-record, one email at a time, as the statements seam hands it over. */
export const realMarkSent: RecordSent = async (db, request) => (await markSent(db, [request]))[0]!;

/**
 * For one test file (or one shard of its check): its own database cloned from the template, a pool wide enough for every actor of a run
 * to hold a transaction open at once, a one-connection client for the lock probe, and the model's tenant.
 * Every run of the file reuses them; a run resets only the tenant's rows.
 */
let databases = 0;

export function useModelDatabase(recordSent: RecordSent = realMarkSent): () => ModelEnvironment {
  let database: TestDatabase | undefined;
  let env: ModelEnvironment | undefined;
  beforeAll(async () => {
    database = await createTestDatabase(`postdate_model_${process.pid}_${++databases}`);
    const db: Database = connectDatabase({ url: database.url, poolSize: 24 });
    const probe: Database = connectDatabase({ url: database.url, poolSize: 1 });
    const { tenantId } = await createTenant(db, 'model');
    env = { db, probe, tenantId, recordSent };
  });
  afterAll(async () => {
    await env?.db.$disconnect();
    await env?.probe.$disconnect();
    await database?.drop();
  });
  return () => {
    if (!env) throw new Error('useModelDatabase: the database is made in beforeAll');
    return env;
  };
}
