import pg from 'pg';
import { Prisma } from './generated/prisma/client';
import { PG_ANSWER_TIMEOUT_MESSAGE } from './pg-pool';

// What kind of failure a database error is, whichever layer raised it: Postgres (a SQLSTATE, wrapped by
// Prisma's adapter), the adapter (a kind; raw when it fails inside Prisma's transaction machinery, at BEGIN
// or COMMIT), or node-postgres itself (a plain Error, or its DatabaseError).

interface AdapterCause {
  originalCode?: unknown;
  code?: unknown;
  kind?: unknown;
}

const isRawAdapterError = (error: unknown): error is Error & { cause: AdapterCause } =>
  error instanceof Error && error.name === 'DriverAdapterError' && typeof (error as { cause?: unknown }).cause === 'object';

function adapterCause(error: unknown): { originalCode: unknown; kind: unknown } | undefined {
  if (isRawAdapterError(error)) {
    // Postgres errors the adapter has no kind for carry their SQLSTATE as `code` under kind 'postgres'.
    const { cause } = error;
    return { originalCode: cause.originalCode ?? (cause.kind === 'postgres' ? cause.code : undefined), kind: cause.kind };
  }
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return undefined;
  const meta = error.meta as { code?: unknown; driverAdapterError?: { cause?: AdapterCause } } | undefined;
  const cause = meta?.driverAdapterError?.cause;
  const postgresCode = cause?.kind === 'postgres' ? cause.code : undefined;
  return { originalCode: cause?.originalCode ?? postgresCode ?? meta?.code, kind: cause?.kind };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The SQLSTATE Postgres answered with, if the error came from Postgres: wrapped by Prisma's adapter, or as
 * node-postgres' own DatabaseError (what a connection's FATAL reaches a caller as, when it arrives between
 * Prisma's statements: 57P01 from a terminated backend, say).
 */
export function sqlStateOf(error: unknown): string | undefined {
  if (error instanceof pg.DatabaseError) return error.code;
  const code = adapterCause(error)?.originalCode;
  return typeof code === 'string' ? code : undefined;
}

// Serialization failure (40001), deadlock (40P01) and Prisma's wrappers for them (P2034 write conflict,
// P2024 pool timeout) are worth retrying: the transaction did nothing. P2028 (transaction API error) is
// retried only when the transaction never started (no connection within maxWait): one that expired ran
// for its whole timeout already, and running all that work again would only make a busy database busier.
const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']);
const RETRYABLE_PRISMA_CODES = new Set(['P2034', 'P2024']);
const TRANSACTION_NEVER_STARTED = /unable to start a transaction/i;

export function isRetryableTransactionError(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    if (RETRYABLE_PRISMA_CODES.has(error.code)) return true;
    if (error.code === 'P2028') return TRANSACTION_NEVER_STARTED.test(error.message);
  }
  const sqlState = sqlStateOf(error);
  if (sqlState !== undefined && RETRYABLE_SQLSTATES.has(sqlState)) return true;
  return /\b(40001|40P01)\b|deadlock detected|could not serialize access/i.test(messageOf(error));
}

// Postgres could not serve the statement, through no fault of the statement: cancelled by the statement
// timeout (57014), shutting down or starting up (57P01–57P03), out of connections (53300), the session
// ended for idling in a transaction (25P03), or the connection failing (class 08).
const UNAVAILABLE_SQLSTATE = /^(57014|57P0[123]|53300|25P03|08...)$/;
const UNAVAILABLE_ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
// Prisma: cannot reach (P1001), timed out (P1002), closed by the server (P1017), no pool connection (P2024).
const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1017', 'P2024']);
// node-postgres' own messages (it throws plain Errors): its answer timeout, a dropped connection, a client
// closed after one, its pool's connect timeout. Specific to it, so another library's error cannot match.
const PG_UNAVAILABLE_MESSAGES = [
  PG_ANSWER_TIMEOUT_MESSAGE,
  'Connection terminated',
  'Client has encountered a connection error',
  'timeout exceeded when trying to connect',
];
// Socket failures, believed only of errors Prisma raised: the same codes from Redis or SMTP are not ours.
const NETWORK_FAILURE = /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|EHOSTDOWN|ENOTFOUND|EAI_AGAIN)\b/;

/**
 * True when the database did not answer or could not serve the statement (down, unreachable, overloaded,
 * too slow): a failure worth retrying later, not a fault of the request.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientInitializationError) return true;
  const cause = adapterCause(error);
  if (typeof cause?.kind === 'string' && UNAVAILABLE_ADAPTER_KINDS.has(cause.kind)) return true;
  const sqlState = sqlStateOf(error);
  if (sqlState !== undefined && UNAVAILABLE_SQLSTATE.test(sqlState)) return true;
  if (error instanceof Prisma.PrismaClientKnownRequestError && UNAVAILABLE_PRISMA_CODES.has(error.code)) return true;
  const fromPrisma = error instanceof Prisma.PrismaClientKnownRequestError || error instanceof Prisma.PrismaClientUnknownRequestError;
  if (fromPrisma && NETWORK_FAILURE.test(messageOf(error))) return true;
  return error instanceof Error && PG_UNAVAILABLE_MESSAGES.some((start) => error.message.startsWith(start));
}
