import { createEmailBatcher, createEmailInputSchema, createTenant, IdempotencyMismatchError, QuotaExceededError } from '@postdate/domain';
import { holdQuotaLock, useTestDatabase } from '@postdate/db/testing';

// Single-email creates from concurrent requests share statements. Each request must still get exactly
// the answer it would have got alone: its email, its replay, or a refusal that concerns it only.

const t = useTestDatabase({ poolSize: 4 });


const schema = createEmailInputSchema();
const input = (to: string, subject = 'hi') => schema.parse({ from: 'sender@acme.test', to: [to], subject, text: 'x' });
const batcher = () => createEmailBatcher(t.db, { enqueueHorizonSeconds: 3600, maxBatchSize: 100, maxWaitMs: 0, maxInFlight: 1 });
const tenant = async (name: string, quota?: number) => {
  const { tenantId } = await createTenant(t.db, name);
  if (quota !== undefined) await t.db.tenant.update({ where: { id: tenantId }, data: { dailyRecipientQuota: quota } });
  return tenantId;
};

test('concurrent creates of two tenants: each gets its own email, a same-key twin its replay, a changed body its 422', async () => {
  const create = batcher();
  const [a, b] = [await tenant('batch-a'), await tenant('batch-b')];
  await create({ tenantId: a, email: { idempotencyKey: 'taken', input: input('first@example.com') } });
  t.issued.length = 0;
  const outcomes = await Promise.all([
    create({ tenantId: a, email: { input: input('a1@example.com') } }),
    create({ tenantId: b, email: { input: input('b1@example.com') } }),
    create({ tenantId: a, email: { idempotencyKey: 'twin', input: input('twin@example.com') } }),
    create({ tenantId: a, email: { idempotencyKey: 'twin', input: input('twin@example.com') } }),
    create({ tenantId: a, email: { idempotencyKey: 'taken', input: input('other@example.com') } }),
    create({ tenantId: b, email: { idempotencyKey: 'taken', input: input('b-own@example.com') } }),
  ]);
  const [a1, b1, twin, twinAgain, mismatch, bTaken] = outcomes;
  const emailOf = (o: (typeof outcomes)[number]) => ('error' in o ? null : o.email);
  expect(emailOf(a1!)).toMatchObject({ tenantId: a, recipients: [{ address: 'a1@example.com' }] });
  expect(emailOf(b1!)).toMatchObject({ tenantId: b, recipients: [{ address: 'b1@example.com' }] });
  expect(twin).toMatchObject({ replayed: false });
  expect(twinAgain).toMatchObject({ replayed: true });
  expect(emailOf(twinAgain!)?.id).toBe(emailOf(twin!)?.id);
  expect('error' in mismatch! && mismatch.error).toBeInstanceOf(IdempotencyMismatchError);
  // Keys are per tenant: b's 'taken' is b's own new email.
  expect(bTaken).toMatchObject({ replayed: false, email: { tenantId: b } });
  // Two tenants in one batch: two write statements, plus the replays' read-back — not six writes.
  expect(t.issued.filter((sql) => /^\s*WITH request/.test(sql))).toHaveLength(2);
  // Only a keyed create is fingerprinted: a keyless one can never be replayed, so it stores no hash.
  const stored = await t.db.scheduledEmail.findMany({ where: { id: { in: [emailOf(a1!)!.id, emailOf(twin!)!.id] } }, orderBy: { id: 'asc' } });
  expect(stored.map((e) => e.requestHash === null)).toEqual([true, false]);
  expect(stored[1]!.requestHash).toMatch(/^[0-9a-f]{64}$/);
});

test('a batch over the quota as a whole is retried one by one: the quota admits exactly what fits', async () => {
  const create = batcher();
  const limited = await tenant('quota-3', 3);
  const outcomes = await Promise.all(Array.from({ length: 5 }, (_, i) => create({ tenantId: limited, email: { input: input(`q${i}@example.com`) } })));
  expect(outcomes.filter((o) => !('error' in o))).toHaveLength(3);
  const refused = outcomes.filter((o) => 'error' in o);
  expect(refused).toHaveLength(2);
  for (const o of refused) expect('error' in o && o.error).toBeInstanceOf(QuotaExceededError);
  expect(await t.db.scheduledEmail.count({ where: { tenantId: limited } })).toBe(3);
});

test("a tenant whose quota row is locked holds up its own creates only, never another tenant's", async () => {
  const create = batcher();
  const [stuck, free] = [await tenant('stuck', 100), await tenant('free')];
  await create({ tenantId: stuck, email: { input: input('first@example.com') } }); // its quota row now exists
  // Another transaction holds the stuck tenant's quota row (as its own large /batch would).
  const lock = await holdQuotaLock(t.db, stuck);
  let stuckDone = 0;
  const stuckCreates = [1, 2].map((i) => create({ tenantId: stuck, email: { input: input(`s${i}@example.com`) } }).finally(() => stuckDone++));
  const started = Date.now();
  const freeOutcome = await create({ tenantId: free, email: { input: input('f@example.com') } });
  expect(freeOutcome).toMatchObject({ replayed: false, email: { tenantId: free } });
  expect(stuckDone).toBe(0); // still waiting on the lock while the other tenant was answered
  expect(Date.now() - started).toBeLessThan(5_000);
  await lock.release();
  for (const outcome of await Promise.all(stuckCreates)) expect(outcome).toMatchObject({ replayed: false, email: { tenantId: stuck } });
});
