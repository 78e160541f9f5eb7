import { inTransaction, isInTransaction } from '@postdate/db';
import { useTestDatabase } from '@postdate/db/testing';

// Domain functions always call inTransaction, so they compose: given an open transaction, it joins it
// (no savepoint, no commit of its own), and the outermost caller's commit or rollback decides for all.

const t = useTestDatabase();

const tenantNamed = (name: string) => t.db.tenant.count({ where: { name } });

test('a nested call joins the open transaction: the outer rollback undoes the inner write', async () => {
  const seen: boolean[] = [];
  await expect(
    inTransaction(t.db, async (tx) => {
      seen.push(isInTransaction(tx));
      await inTransaction(tx, async (inner) => {
        seen.push(inner === tx);
        await inner.tenant.create({ data: { name: 'joined-then-rolled-back' } });
      });
      throw new Error('the outer caller fails after the inner write');
    }),
  ).rejects.toThrow('the outer caller fails');
  expect(seen).toEqual([true, true]);
  expect(await tenantNamed('joined-then-rolled-back')).toBe(0);
});

test('a nested call commits nothing of its own: its write is visible outside only after the outer commit', async () => {
  let visibleBeforeOuterCommit = -1;
  await inTransaction(t.db, async (tx) => {
    await inTransaction(tx, (inner) => inner.tenant.create({ data: { name: 'joined-then-committed' } }));
    visibleBeforeOuterCommit = await tenantNamed('joined-then-committed');
  });
  expect(visibleBeforeOuterCommit).toBe(0);
  expect(await tenantNamed('joined-then-committed')).toBe(1);
});

test('a transaction is recognised only while it is open', async () => {
  let escaped: object | undefined;
  await inTransaction(t.db, async (tx) => {
    escaped = tx;
  });
  expect(isInTransaction(escaped!)).toBe(false);
  expect(isInTransaction(t.db)).toBe(false);
});
