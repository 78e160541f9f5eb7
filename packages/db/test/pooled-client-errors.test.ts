import { Client } from 'pg';
import { adminDatabaseUrl, useTestDatabase } from '@postdate/db/testing';
import { waitFor } from '@postdate/test-support';
import { createPgPool } from '../src/pg-pool';

// The window in which a dropped connection used to crash a process: pg-pool removes its idle 'error'
// listener when it hands a client out, and Prisma's adapter adds its own only once connect() has resolved.
// A FATAL read in between (pg_terminate_backend, a failover) was an 'error' event without a listener, and
// Node exits. Here the window is held open: a client is checked out and nobody attaches a listener, as
// between pg-pool and the adapter, while its backend is terminated.

const t = useTestDatabase();

test('a checked-out client whose backend is terminated reports the error and crashes nothing', async () => {
  const reported: Error[] = [];
  const pool = createPgPool({ url: t.url, poolSize: 2, statementTimeoutMs: 0, answerTimeoutMs: 0, onConnectionError: (error) => reported.push(error) });
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);
  process.on('uncaughtException', onUncaught);
  try {
    const checkedOut = await pool.connect();
    const pid = (await checkedOut.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    // What pg-pool leaves on a client it hands out: our own listener, and nobody else's.
    expect(checkedOut.listenerCount('error')).toBe(1);

    const admin = new Client({ connectionString: adminDatabaseUrl() });
    await admin.connect();
    try {
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    } finally {
      await admin.end();
    }

    await waitFor('the terminated backend to be reported', () => reported.length > 0, 10_000);
    expect(reported[0]).toMatchObject({ code: '57P01' });
    expect(uncaught).toEqual([]);
    checkedOut.release(reported[0]);
    // The pool goes on: a new connection answers.
    expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  } finally {
    process.off('uncaughtException', onUncaught);
    await pool.end();
  }
});
