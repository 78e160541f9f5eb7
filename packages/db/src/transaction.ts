import { Prisma } from './generated/prisma/client';
import type { PrismaClient } from './generated/prisma/client';

/** What domain functions take: the client itself or an open transaction, so callers can compose. */
export type Db = Omit<PrismaClient<never>, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;
export type DatabaseClient = Pick<PrismaClient<never>, '$transaction'>;

// Serialization failure (40001), deadlock (40P01) and Prisma's wrappers for them (P2034 write conflict,
// P2028 transaction API error, P2024 pool timeout) are worth retrying: the transaction did nothing.
const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']);
const RETRYABLE_PRISMA_CODES = new Set(['P2034', 'P2028', 'P2024']);

export function isRetryableTransactionError(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    if (RETRYABLE_PRISMA_CODES.has(error.code)) return true;
    const meta = error.meta as { code?: unknown; driverAdapterError?: { cause?: { originalCode?: unknown } } } | undefined;
    const sqlState = meta?.driverAdapterError?.cause?.originalCode ?? meta?.code;
    if (typeof sqlState === 'string' && RETRYABLE_SQLSTATES.has(sqlState)) return true;
  }
  const text = error instanceof Error ? error.message : String(error);
  return /\b(40001|40P01)\b|deadlock detected|could not serialize access/i.test(text);
}

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
