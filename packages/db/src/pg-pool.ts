import pg from 'pg';

// The node-postgres pool under Prisma's adapter, with the timeouts that keep one dead connection from
// hanging a caller, a pool slot or a batch of requests sharing a statement.

export interface PoolOptions {
  url: string;
  poolSize: number;
  /** Server side: statement_timeout and idle_in_transaction_session_timeout. 0: off. */
  statementTimeoutMs: number;
  /** Client side: give up on a statement that gets no answer at all. 0: off. */
  answerTimeoutMs: number;
}

/** node-postgres' message when query_timeout fires. */
export const PG_ANSWER_TIMEOUT_MESSAGE = 'Query read timeout';

/**
 * A client that closes itself when a statement of its gets no answer in time. A pool drops such a
 * client when it is released with an error, but Prisma's adapter releases a transaction's client
 * without one; closed, it is dropped either way, and the transaction's ROLLBACK fails at once instead of
 * waiting out a second timeout behind the first.
 */
class ClosingOnSilenceClient extends pg.Client {
  // Prisma's adapter calls query(config) and awaits the promise; callback forms are passed through.
  override query(...args: unknown[]): never {
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    if (result instanceof Promise) {
      result.catch((error: unknown) => {
        if (error instanceof Error && error.message === PG_ANSWER_TIMEOUT_MESSAGE) void this.end().catch(() => undefined);
      });
    }
    return result as never;
  }
}

export function createPgPool(options: PoolOptions): pg.Pool {
  return new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    Client: ClosingOnSilenceClient,
    // Fail fast rather than queue forever when the pool is exhausted or Postgres is gone.
    connectionTimeoutMillis: 10_000,
    // TCP keepalive from 10 s of silence: keeps idle connections alive through NATs and lets the kernel
    // drop one whose peer is gone (after its probes: minutes, with Linux defaults). The answer timeout
    // below is what bounds a caller's wait.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    ...(options.statementTimeoutMs > 0
      ? { statement_timeout: options.statementTimeoutMs, idle_in_transaction_session_timeout: options.statementTimeoutMs }
      : {}),
    ...(options.answerTimeoutMs > 0 ? { query_timeout: options.answerTimeoutMs } : {}),
  });
}
