import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client';
import { createPgPool } from './pg-pool';

export interface DatabaseOptions {
  url: string;
  poolSize?: number;
  /** Called for every SQL statement Prisma issues; used by the query-count test and debug logging. */
  onQuery?: (sql: string, durationMs: number) => void;
  /**
   * Postgres cancels a statement that runs longer than this, and ends a session left idle inside a
   * transaction this long (so a client that hung or vanished mid-transaction cannot hold row locks).
   * 0 turns both off. Default 30 000.
   */
  statementTimeoutMs?: number;
  /**
   * How long the client waits for any answer before it gives the statement up and discards the
   * connection: the bound for a server that cannot answer at all (a half-open TCP connection after a
   * failover or a network partition), where the server-side timeout never fires. Default: the statement
   * timeout plus 5 s; 0 turns it off.
   */
  answerTimeoutMs?: number;
  /** Told of errors on pooled connections (terminated backends, resets): for a log line; never fatal. */
  onConnectionError?: (error: Error) => void;
}

const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
const ANSWER_TIMEOUT_MARGIN_MS = 5_000;

export type Database = PrismaClient<'query'>;

/** Opens a pooled Prisma client on node-postgres. The only place a connection is made. */
export function connectDatabase(options: DatabaseOptions): Database {
  const statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const answerTimeoutMs = options.answerTimeoutMs ?? (statementTimeoutMs > 0 ? statementTimeoutMs + ANSWER_TIMEOUT_MARGIN_MS : 0);
  const pool = createPgPool({
    url: options.url,
    poolSize: options.poolSize ?? 10,
    statementTimeoutMs,
    answerTimeoutMs,
    ...(options.onConnectionError ? { onConnectionError: options.onConnectionError } : {}),
  });
  const adapter = new PrismaPg(pool, { disposeExternalPool: true });
  const client = new PrismaClient({ adapter, log: options.onQuery ? [{ emit: 'event', level: 'query' }] : [] });
  if (options.onQuery) {
    const onQuery = options.onQuery;
    client.$on('query', (event) => onQuery(event.query, Number(event.duration)));
  }
  return client as Database;
}
