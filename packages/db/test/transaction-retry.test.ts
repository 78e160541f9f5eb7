import { inTransaction, isRetryableTransactionError } from '@postdate/db';
import { useTestDatabase } from '@postdate/db/testing';

const t = useTestDatabase({ poolSize: 4 });

beforeAll(async () => {
  await t.db.tenant.createMany({ data: [{ name: 'left' }, { name: 'right' }] });
});

test('a forced deadlock is retried: both transactions commit, and exactly one retry happened', async () => {
  const [left, right] = await t.db.tenant.findMany({ orderBy: { id: 'asc' } });
  let arrived = 0;
  let release!: () => void;
  const bothHoldFirstLock = new Promise<void>((resolve) => (release = resolve));
  const retries: unknown[] = [];

  // Each transaction locks one row, waits until the other holds its row, then asks for the other's:
  // Postgres detects the cycle and aborts one with 40P01. The helper must retry that one.
  const lockInOrder = (first: bigint, second: bigint, label: string) =>
    inTransaction(
      t.db,
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
  const names = (await t.db.tenant.findMany({ orderBy: { id: 'asc' } })).map((tenant) => tenant.name);
  expect(names).toEqual(['left+b', 'right+a']);
});

test('errors that are not deadlocks or serialization failures are not retried', async () => {
  let calls = 0;
  await expect(
    inTransaction(t.db, async (tx) => {
      calls++;
      await tx.$executeRaw`INSERT INTO tenant (name) VALUES ('twice'), ('twice')`;
    }),
  ).rejects.toThrow();
  expect(calls).toBe(1);
});

test('a transaction that expired is not retried: it ran for its whole timeout already', async () => {
  const retries: unknown[] = [];
  let runs = 0;
  const expiring = inTransaction(
    t.db,
    async (tx) => {
      runs++;
      await new Promise((resolve) => setTimeout(resolve, 400));
      await tx.$queryRaw`SELECT 1`;
    },
    { timeoutMs: 100, onRetry: (error) => retries.push(error) },
  );
  await expect(expiring).rejects.toMatchObject({ code: 'P2028' });
  expect(isRetryableTransactionError(await expiring.catch((error: unknown) => error))).toBe(false);
  expect({ runs, retries: retries.length }).toEqual({ runs: 1, retries: 0 });
});
