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

/**
 * The one way postdate opens a transaction. Retries the whole callback, with jittered backoff,
 * when Postgres aborted it for a deadlock or serialization failure; never nests.
 */
export async function inTransaction<T>(
  client: DatabaseClient,
  work: (tx: Db) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.$transaction((tx) => work(tx), {
        timeout: options.timeoutMs ?? 15_000,
        maxWait: 10_000,
        ...(options.isolationLevel ? { isolationLevel: options.isolationLevel } : {}),
      });
    } catch (error) {
      if (attempt >= maxAttempts || !isRetryableTransactionError(error)) throw error;
      options.onRetry?.(error, attempt);
      const ceiling = Math.min(1000, 20 * 2 ** attempt);
      await new Promise((resolve) => setTimeout(resolve, ceiling / 2 + Math.random() * (ceiling / 2)));
    }
  }
}
