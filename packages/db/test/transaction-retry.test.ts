import { inTransaction, isRetryableTransactionError } from '@postdate/db';
import { connectDatabase, type Database } from '@postdate/db/client';
import { createTestDatabase, type TestDatabase } from '@postdate/test-support';

let database: TestDatabase;
let db: Database;

beforeAll(async () => {
  database = await createTestDatabase();
  db = connectDatabase({ url: database.url, poolSize: 4 });
  await db.tenant.createMany({ data: [{ name: 'left' }, { name: 'right' }] });
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

test('a forced deadlock is retried: both transactions commit, and exactly one retry happened', async () => {
  const [left, right] = await db.tenant.findMany({ orderBy: { id: 'asc' } });
  let arrived = 0;
  let release!: () => void;
  const bothHoldFirstLock = new Promise<void>((resolve) => (release = resolve));
  const retries: unknown[] = [];

  // Each transaction locks one row, waits until the other holds its row, then asks for the other's:
  // Postgres detects the cycle and aborts one with 40P01. The helper must retry that one.
  const lockInOrder = (first: bigint, second: bigint, label: string) =>
    inTransaction(
      db,
      async (tx) => {
        await tx.$queryRaw`SELECT id FROM tenant WHERE id = ${first} FOR UPDATE`;
        if (++arrived === 2) release();
        await bothHoldFirstLock;
        await tx.$queryRaw`SELECT id FROM tenant WHERE id = ${second} FOR UPDATE`;
        await tx.$executeRaw`UPDATE tenant SET name = name || ${label} WHERE id = ${second}`;
        return label;
      },
      { onRetry: (error) => retries.push(error) },
    );

  const results = await Promise.all([lockInOrder(left!.id, right!.id, '+a'), lockInOrder(right!.id, left!.id, '+b')]);
  expect(results).toEqual(['+a', '+b']);
  expect(retries).toHaveLength(1);
  expect(isRetryableTransactionError(retries[0])).toBe(true);
  expect(String(retries[0])).toMatch(/deadlock|40P01/i);
  const names = (await db.tenant.findMany({ orderBy: { id: 'asc' } })).map((t) => t.name);
  expect(names).toEqual(['left+b', 'right+a']);
});

test('errors that are not deadlocks or serialization failures are not retried', async () => {
  let calls = 0;
  await expect(
    inTransaction(db, async (tx) => {
      calls++;
      await tx.$executeRaw`INSERT INTO tenant (name) VALUES ('twice'), ('twice')`;
    }),
  ).rejects.toThrow();
  expect(calls).toBe(1);
});
