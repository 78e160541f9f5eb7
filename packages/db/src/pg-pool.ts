import pg from 'pg';

// The node-postgres pool under Prisma's adapter, with the timeouts that keep one dead connection from
// hanging a caller, a pool slot or a batch of requests sharing a statement.

export interface PoolOptions {
  url: string;
  poolSize: number;
  /** Told of every error a pooled connection reports (a FATAL from a terminated backend, a reset socket). */
  onConnectionError?: (error: Error) => void;
  /** Server side: statement_timeout and idle_in_transaction_session_timeout. 0: off. */
  statementTimeoutMs: number;
  /** Client side: give up on a statement that gets no answer at all. 0: off. */
  answerTimeoutMs: number;
}

/** node-postgres' message when query_timeout fires. */
export const PG_ANSWER_TIMEOUT_MESSAGE = 'Query read timeout';

/**
 * A client that never crashes the process and closes itself when a statement of its gets no answer in time.
 *
 * Never crashes: pg-pool removes its idle 'error' listener when it hands a client out, and Prisma's adapter
 * adds its own only once connect() has resolved; a FATAL read in between (a backend terminated, a failover)
 * is an 'error' event nobody listens to, and Node exits. So every client has a listener of its own from
 * birth to end; whoever uses the client still learns of the failure from the statement that fails.
 *
 * Closes on silence: a pool drops such a client when it is released with an error, but Prisma's adapter
 * releases a transaction's client without one; closed, it is dropped either way, and the transaction's
 * ROLLBACK fails at once instead of waiting out a second timeout behind the first.
 */
abstract class ClosingOnSilenceClient extends pg.Client {
  protected abstract onConnectionError(error: Error): void;

  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on('error', (error: Error) => this.onConnectionError(error));
  }

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
  const report = options.onConnectionError ?? (() => undefined);
  class PooledClient extends ClosingOnSilenceClient {
    protected override onConnectionError(error: Error): void {
      report(error);
    }
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    Client: PooledClient,
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
  // An idle client's error is the pool's (Prisma's adapter listens too); reported like the others.
  pool.on('error', report);
  return pool;
}
