import { isRetryableTransactionError } from './database-errors';
import type { Prisma, PrismaClient } from './generated/prisma/client';

/** What domain functions take: the client itself or an open transaction, so callers can compose. */
export type Db = Omit<PrismaClient<never>, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;
export type DatabaseClient = Pick<PrismaClient<never>, '$transaction'>;

export interface TransactionOptions {
  maxAttempts?: number;
  timeoutMs?: number;
  isolationLevel?: Prisma.TransactionIsolationLevel;
  /** Told about each retried failure, for logs and the deadlock test. */
  onRetry?: (error: unknown, attempt: number) => void;
}

// The transaction clients this helper opened and that are still open. Prisma's transaction client looks
// like the client (it even has a $transaction, which would nest with a savepoint); this is how a call made
// inside one is recognised and joins it instead.
const open = new WeakSet<object>();

/** True when `db` is a transaction opened by inTransaction and not yet finished. */
export function isInTransaction(db: object): boolean {
  return open.has(db);
}

/**
 * The one way postdate runs work in a Prisma interactive transaction (`$transaction(async (tx) => …)`).
 * Given the client, it opens one and retries the whole callback, with jittered backoff, when Postgres
 * aborted it for a deadlock or a serialization failure. Given an open transaction (a `tx` this helper
 * passed to a callback), it joins it: no savepoint, no retry of its own, the caller's commit or rollback
 * decides for all. Domain functions therefore always call it, and compose.
 */
export async function inTransaction<T>(db: Db | (Db & DatabaseClient), work: (tx: Db) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  if (open.has(db)) return work(db);
  if (!('$transaction' in db)) throw new Error('inTransaction: given a transaction it did not open; pass the client or a tx it handed out');
  const client = db as DatabaseClient;
  const maxAttempts = options.maxAttempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.$transaction(
        async (tx) => {
          open.add(tx);
          try {
            return await work(tx);
          } finally {
            open.delete(tx);
          }
        },
        {
          timeout: options.timeoutMs ?? 15_000,
          maxWait: 10_000,
          ...(options.isolationLevel ? { isolationLevel: options.isolationLevel } : {}),
        },
      );
    } catch (error) {
      if (attempt >= maxAttempts || !isRetryableTransactionError(error)) throw error;
      options.onRetry?.(error, attempt);
      const ceiling = Math.min(1000, 20 * 2 ** attempt);
      await new Promise((resolve) => setTimeout(resolve, ceiling / 2 + Math.random() * (ceiling / 2)));
    }
  }
}
