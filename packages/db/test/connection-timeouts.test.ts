import { inTransaction, isDatabaseUnavailable } from '@postdate/db';
import { connectDatabase, type Database } from '@postdate/db/client';
import { sleep, startTcpProxy, useTestDatabase, type TcpProxy } from '@postdate/test-support';

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

async function elapsedMs(work: Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work.catch(() => undefined);
  return performance.now() - started;
}

/** The failure, which the API must classify as "database unavailable" (503), not as a bug (500). */
async function unavailableFailure(work: Promise<unknown>): Promise<void> {
  const error = await work.then(() => new Error('expected a failure'), (e: unknown) => e);
  expect(isDatabaseUnavailable(error)).toBe(true);
}

test('a statement running past the statement timeout is cancelled, and its connection serves the next one', async () => {
  const db = client({ statementTimeoutMs: 300 });
  const sleeping = db.$queryRaw`SELECT pg_sleep(5)`;
  await expect(sleeping).rejects.toThrow(/statement timeout/);
  await unavailableFailure(sleeping);
  expect(await elapsedMs(sleeping)).toBeLessThan(3_000);
  await expect(db.$queryRaw`SELECT 1 AS one`).resolves.toEqual([{ one: 1 }]);
});

test('a transaction left idle past the timeout is ended by Postgres, and the row lock it held is released', async () => {
  const { id } = await t.db.tenant.create({ data: { name: 'idle-holder' } });
  const db = client({ statementTimeoutMs: 400 });
  const holder = inTransaction(
    db,
    async (tx) => {
      // Locks the row and then stalls, as a client that hung mid-transaction would.
      await tx.$queryRaw`SELECT id FROM tenant WHERE id = ${id} FOR UPDATE`;
      await sleep(1_500);
      await tx.$queryRaw`SELECT 1`;
    },
    { maxAttempts: 1, timeoutMs: 10_000 },
  );
  await sleep(1_000);
  // NOWAIT: fails at once (55P03) if the stalled transaction still held the row lock.
  await expect(t.db.$queryRaw`SELECT id FROM tenant WHERE id = ${id} FOR UPDATE NOWAIT`).resolves.toHaveLength(1);
  await unavailableFailure(holder);
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
  const stuck = db.$queryRaw`SELECT 2 AS two`;
  await unavailableFailure(stuck);
  expect(await elapsedMs(stuck)).toBeLessThan(3_000);
  // One connection in the pool: this answers only if the dead one was dropped and a new one opened.
  await expect(db.$queryRaw`SELECT 3 AS three`).resolves.toEqual([{ three: 3 }]);
});

test('the same inside a transaction: it fails within the bound, and the next statement gets a live connection', async () => {
  const db = client({ url: await throughProxy(), statementTimeoutMs: 10_000, answerTimeoutMs: 800 });
  await expect(db.$queryRaw`SELECT 1 AS one`).resolves.toEqual([{ one: 1 }]);
  const transaction = inTransaction(
    db,
    async (tx) => {
      await tx.$queryRaw`SELECT 1`;
      proxy!.blackholeOpenConnections();
      await tx.$queryRaw`SELECT 2`;
    },
    { maxAttempts: 1, timeoutMs: 10_000 },
  );
  await unavailableFailure(transaction);
  expect(await elapsedMs(transaction)).toBeLessThan(5_000);
  await expect(db.$queryRaw`SELECT 3 AS three`).resolves.toEqual([{ three: 3 }]);
});

test('errors that are the statement’s own fault are not "unavailable"', async () => {
  const { name } = await t.db.tenant.create({ data: { name: 'taken' } });
  const failures = [t.db.tenant.create({ data: { name } }), t.db.$queryRaw`SELECT nonsense FROM nowhere`, t.db.$queryRaw`SELECT 1 / 0`];
  for (const failure of failures) {
    const error = await failure.then(() => new Error('expected a failure'), (e: unknown) => e);
    expect(isDatabaseUnavailable(error)).toBe(false);
  }
  const refused = client({ url: 'postgresql://postgres@127.0.0.1:1/none' });
  await unavailableFailure(refused.$queryRaw`SELECT 1`);
});
