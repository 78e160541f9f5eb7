import { connectDatabase, type Database } from '../client';
import { createTestDatabase, type TestDatabase } from './test-database';

export interface TestDatabaseHandle {
  /** A Prisma client on this file's own database (set once `beforeAll` has run). */
  readonly db: Database;
  /** Every SQL statement the client has issued; empty it with `issued.length = 0` before counting. */
  readonly issued: string[];
  /** The database's URL, for tests that open clients of their own. */
  readonly url: string;
}

/**
 * For one Jest test file: a cloned, migrated database and a Prisma client on it, made before the file's
 * tests and dropped after them. The client records the statements it issues, for tests that count them.
 */
export function useTestDatabase(options: { poolSize?: number } = {}): TestDatabaseHandle {
  let database: TestDatabase | undefined;
  let db: Database | undefined;
  const issued: string[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    db = connectDatabase({ url: database.url, poolSize: options.poolSize ?? 2, onQuery: (sql) => issued.push(sql) });
  });
  afterAll(async () => {
    await db?.$disconnect();
    await database?.drop();
  });
  return {
    get db() {
      if (!db) throw new Error('useTestDatabase: the database is made in beforeAll; use it inside a hook or test');
      return db;
    },
    issued,
    get url() {
      if (!database) throw new Error('useTestDatabase: the database is made in beforeAll; use it inside a hook or test');
      return database.url;
    },
  };
}
