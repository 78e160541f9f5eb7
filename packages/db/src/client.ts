import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client';

export interface DatabaseOptions {
  url: string;
  poolSize?: number;
  /** Called for every SQL statement Prisma issues; used by the query-count test and debug logging. */
  onQuery?: (sql: string, durationMs: number) => void;
}

export type Database = PrismaClient<'query'>;

/** Opens a pooled Prisma client on node-postgres. The only place a connection is made. */
export function connectDatabase(options: DatabaseOptions): Database {
  const adapter = new PrismaPg({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    // Fail fast rather than queue forever when the pool is exhausted or Postgres is gone.
    connectionTimeoutMillis: 10_000,
  });
  const client = new PrismaClient({ adapter, log: options.onQuery ? [{ emit: 'event', level: 'query' }] : [] });
  if (options.onQuery) {
    const onQuery = options.onQuery;
    client.$on('query', (event) => onQuery(event.query, Number(event.duration)));
  }
  return client as Database;
}
