import pg from 'pg';
import { isDatabaseUnavailable, isRetryableTransactionError, sqlStateOf } from '@postdate/db';

// How a failure is judged decides whether a send's record is retried through an outage or given up on (and
// the email sent again after its lease). The end-to-end cases are in tests/race; these are the shapes.

const fatal = (code: string, message: string) => Object.assign(new pg.DatabaseError(message, 100, 'error'), { code, severity: 'FATAL' });

test('a FATAL node-postgres reports between Prisma statements (a terminated backend) is unavailability', () => {
  const terminated = fatal('57P01', 'terminating connection due to administrator command');
  expect(sqlStateOf(terminated)).toBe('57P01');
  expect(isDatabaseUnavailable(terminated)).toBe(true);
  expect(isDatabaseUnavailable(fatal('57P03', 'the database system is starting up'))).toBe(true);
});

test('a statement the database refused for what it is, not for being unavailable, is not', () => {
  expect(isDatabaseUnavailable(fatal('23505', 'duplicate key value violates unique constraint'))).toBe(false);
  expect(isDatabaseUnavailable(new Error('email 5 cannot be recorded as sent'))).toBe(false);
});

test("node-postgres' own connection messages are unavailability", () => {
  for (const message of ['Connection terminated unexpectedly', 'Client has encountered a connection error and is not queryable']) {
    expect(isDatabaseUnavailable(new Error(message))).toBe(true);
  }
});

test('deadlocks and serialization failures are retried as transactions; a constraint violation is not', () => {
  expect(isRetryableTransactionError(fatal('40P01', 'deadlock detected'))).toBe(true);
  expect(isRetryableTransactionError(fatal('40001', 'could not serialize access'))).toBe(true);
  expect(isRetryableTransactionError(fatal('23505', 'duplicate key'))).toBe(false);
});

test("the adapter's own error, raised inside Prisma's transaction machinery (BEGIN, COMMIT), is judged by its cause", () => {
  const raw = (cause: Record<string, unknown>) => Object.assign(new Error(String(cause.message ?? 'x')), { name: 'DriverAdapterError', cause });
  const terminated = raw({ kind: 'postgres', code: '57P01', severity: 'FATAL', message: 'terminating connection due to administrator command' });
  expect(sqlStateOf(terminated)).toBe('57P01');
  expect(isDatabaseUnavailable(terminated)).toBe(true);
  expect(isDatabaseUnavailable(raw({ kind: 'ConnectionClosed' }))).toBe(true);
  expect(isRetryableTransactionError(raw({ kind: 'TransactionWriteConflict', originalCode: '40P01' }))).toBe(true);
  expect(isDatabaseUnavailable(raw({ kind: 'UniqueConstraintViolation', originalCode: '23505' }))).toBe(false);
});
