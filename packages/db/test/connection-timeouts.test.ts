import { inTransaction, isDatabaseUnavailable } from '@postdate/db';
import { connectDatabase, type Database } from '@postdate/db/client';
import { useTestDatabase } from '@postdate/db/testing';
import { sleep, startTcpProxy, waitFor, type TcpProxy } from '@postdate/test-support';

// A statement never waits forever: Postgres cancels one that runs too long and ends a session left idle
// inside a transaction (releasing its locks), and the client gives up on a server that stopped answering
// and replaces the connection, so one dead connection cannot hold a pool slot or a batch of requests.

const t = useTestDatabase();
const opened: Database[] = [];
let proxy: TcpProxy | undefined;
afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.$disconnect().catch(() => undefined)));
  await proxy?.close();
  proxy = undefined;
});

function client(options: { url?: string; statementTimeoutMs?: number; answerTimeoutMs?: number }): Database {
  const db = connectDatabase({ url: options.url ?? t.url, poolSize: 1, ...options });
  opened.push(db);
  return db;
}

/**
 * Runs `work` (started inside, so the clock covers all of it) and returns its failure and how long it
 * took to fail; a success fails the test.
 */
async function failure(work: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  const error = await work().then(
    () => {
      throw new Error('expected the statement to fail');
    },
    (e: unknown) => e,
  );
  return { error, ms: performance.now() - started };
}

test('a statement running past the statement timeout is cancelled, and its connection serves the next one', async () => {
  const db = client({ statementTimeoutMs: 300 });
  const { error, ms } = await failure(() => db.$queryRaw`SELECT pg_sleep(5)`);
  expect(String(error)).toMatch(/statement timeout/);
  expect(isDatabaseUnavailable(error)).toBe(true);
  expect(ms).toBeLessThan(3_000);
  await expect(db.$queryRaw`SELECT 1 AS one`).resolves.toEqual([{ one: 1 }]);
});

test('a transaction left idle past the timeout is ended by Postgres, and the row lock it held is released', async () => {
  const { id } = await t.db.tenant.create({ data: { name: 'idle-holder' } });
  const db = client({ statementTimeoutMs: 1_000 });
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const holder = failure(() =>
    inTransaction(
      db,
      async (tx) => {
        // Locks the row and then stalls, as a client that hung mid-transaction would.
        await tx.$queryRaw`SELECT id FROM tenant WHERE id = ${id} FOR UPDATE`;
        locked();
        await sleep(4_000);
        await tx.$queryRaw`SELECT 1`;
      },
      { maxAttempts: 1, timeoutMs: 10_000 },
    ),
  );
  await isLocked;
  const lockedAt = performance.now();
  // NOWAIT fails at once (55P03) while another transaction holds the row lock.
  const tryLock = () => t.db.$queryRaw<unknown[]>`SELECT id FROM tenant WHERE id = ${id} FOR UPDATE NOWAIT`;
  await expect(tryLock()).rejects.toThrow(/55P03|could not obtain lock/);
  await waitFor('the stalled transaction’s lock to be released', () => tryLock().then((rows) => rows.length === 1, () => false), 3_000);
  expect(performance.now() - lockedAt).toBeLessThan(3_000); // long before the stalled client would have ended
  expect(isDatabaseUnavailable((await holder).error)).toBe(true);
});

async function throughProxy(): Promise<string> {
  const target = new URL(t.url);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  target.host = `127.0.0.1:${proxy.port}`;
  return target.toString();
}

test('a server that stops answering (half-open connection): the statement fails within the answer timeout and the pool replaces the connection', async () => {
  const db = client({ url: await throughProxy(), statementTimeoutMs: 10_000, answerTimeoutMs: 800 });
  await expect(db.$queryRaw`SELECT 1 AS one`).resolves.toEqual([{ one: 1 }]);
  proxy!.blackholeOpenConnections();
  const { error, ms } = await failure(() => db.$queryRaw`SELECT 2 AS two`);
  expect(isDatabaseUnavailable(error)).toBe(true);
  expect(ms).toBeGreaterThanOrEqual(700);
  expect(ms).toBeLessThan(3_000);
  // One connection in the pool: this answers only if the dead one was dropped and a new one opened.
  await expect(db.$queryRaw`SELECT 3 AS three`).resolves.toEqual([{ three: 3 }]);
  await waitFor('the silent connection to be closed', () => proxy!.openConnections() === 1, 3_000);
});

test('the same inside a transaction: it fails within the bound, and the next statement gets a live connection', async () => {
  const db = client({ url: await throughProxy(), statementTimeoutMs: 10_000, answerTimeoutMs: 800 });
  await expect(db.$queryRaw`SELECT 1 AS one`).resolves.toEqual([{ one: 1 }]);
  const { error, ms } = await failure(() =>
    inTransaction(
      db,
      async (tx) => {
        await tx.$queryRaw`SELECT 1`;
        proxy!.blackholeOpenConnections();
        await tx.$queryRaw`SELECT 2`;
      },
      { maxAttempts: 1, timeoutMs: 10_000 },
    ),
  );
  expect(isDatabaseUnavailable(error)).toBe(true);
  // One answer timeout, not two: the transaction's ROLLBACK does not wait behind the silent statement.
  expect(ms).toBeLessThan(1_600);
  await expect(db.$queryRaw`SELECT 3 AS three`).resolves.toEqual([{ three: 3 }]);
  await waitFor('the silent connection to be closed', () => proxy!.openConnections() === 1, 3_000);
});

test('a connection reset in the middle of a statement is "database unavailable", and the next statement gets a live connection', async () => {
  const db = client({ url: await throughProxy() });
  await expect(db.$queryRaw`SELECT 1 AS one`).resolves.toEqual([{ one: 1 }]);
  // Prisma's promises are lazy: `.then` sends the statement now, and the reset waits until it is running.
  const running = db.$queryRaw`SELECT pg_sleep(5)`.then(() => null, (e: unknown) => e);
  await waitFor('the statement to run', async () => {
    const rows = await t.db.$queryRaw<{ count: bigint }[]>`
      SELECT count(*) FROM pg_stat_activity
      WHERE datname = current_database() AND state = 'active' AND query LIKE '%pg_sleep(5)%' AND pid <> pg_backend_pid()`;
    return rows[0]?.count === 1n;
  });
  proxy!.resetOpenConnections();
  const error = await running;
  expect(error).not.toBeNull();
  expect(isDatabaseUnavailable(error)).toBe(true);
  await expect(db.$queryRaw`SELECT 3 AS three`).resolves.toEqual([{ three: 3 }]);
});

test('errors that are the statement’s own fault, or another service’s, are not "database unavailable"', async () => {
  const { name } = await t.db.tenant.create({ data: { name: 'taken' } });
  const ownFaults = [
    () => t.db.tenant.create({ data: { name } }),
    () => t.db.$queryRaw`SELECT nonsense FROM nowhere`,
    () => t.db.$queryRaw`SELECT 1 / 0`,
  ];
  for (const statement of ownFaults) expect(isDatabaseUnavailable((await failure(statement)).error)).toBe(false);
  // A socket error that did not come through Prisma (Redis, SMTP…) is not the database's.
  expect(isDatabaseUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }))).toBe(false);
  const refused = client({ url: 'postgresql://postgres@127.0.0.1:1/none' });
  expect(isDatabaseUnavailable((await failure(() => refused.$queryRaw`SELECT 1`)).error)).toBe(true);
});
