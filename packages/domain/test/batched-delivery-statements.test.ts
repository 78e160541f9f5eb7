import { inTransaction } from '@postdate/db';
import { createDeliveryStatements, createEmailInputSchema, createEmails, createTenant, type DeliveryStatements } from '@postdate/domain';
import { useTestDatabase } from '@postdate/db/testing';

// Claims and sent-records are batched across a worker's concurrent deliveries. Batching must not change
// what any one delivery sees: each request is fenced on its own row, and answers never cross emails.

const t = useTestDatabase({ poolSize: 4 });
let tenantId: bigint;
let otherTenantId: bigint;

beforeAll(async () => {
  tenantId = (await createTenant(t.db, 'batching')).tenantId;
  otherTenantId = (await createTenant(t.db, 'other')).tenantId;
});

const schema = createEmailInputSchema();

async function schedule(to: string[], sendAt?: Date): Promise<{ emailId: bigint; tenantId: bigint; version: number }> {
  const input = schema.parse({ from: 'sender@acme.test', to, subject: 'batched', text: 'hi', ...(sendAt ? { sendAt: sendAt.toISOString() } : {}) });
  const { created } = await inTransaction(t.db, (tx) => createEmails(tx, { tenantId, emails: [{ input }], now: new Date(), enqueueHorizonSeconds: 3600 }));
  const email = created[0]!.email;
  return { emailId: email.id, tenantId, version: email.version };
}

const batched = (): DeliveryStatements =>
  createDeliveryStatements(t.db, { workerId: 'batch-test', leaseSeconds: 60 }, { maxBatchSize: 50, maxInFlight: 1 });
const messageId = (id: bigint) => `<postdate.${id}@postdate.test>`;

test('one batch claims only what each request may claim, and gives every email its own recipients', async () => {
  const statements = batched();
  const a = await schedule(['a1@example.com', 'a2@example.com']);
  const b = await schedule(['b1@example.com']);
  const later = await schedule(['later@example.com'], new Date(Date.now() + 3_600_000));
  const stale = await schedule(['stale@example.com']);
  const foreign = await schedule(['foreign@example.com']);

  const results = await Promise.all([
    statements.claim({ ...a, messageId: messageId(a.emailId) }),
    statements.claim({ ...b, messageId: messageId(b.emailId) }),
    statements.claim({ ...later, messageId: messageId(later.emailId) }),
    statements.claim({ ...stale, version: stale.version + 1, messageId: messageId(stale.emailId) }),
    statements.claim({ ...foreign, tenantId: otherTenantId, messageId: messageId(foreign.emailId) }),
    // A duplicate job of `a` in the same batch: it must see a's claim, not claim it again.
    statements.claim({ ...a, messageId: messageId(a.emailId) }),
  ]);

  const [claimedA, claimedB, notDue, staleVersion, wrongTenant, duplicate] = results;
  expect(claimedA).toMatchObject({ kind: 'claimed', email: { emailId: a.emailId, attempt: 1, messageId: messageId(a.emailId) } });
  expect(claimedA?.kind === 'claimed' && claimedA.email.recipients.map((r) => r.address)).toEqual(['a1@example.com', 'a2@example.com']);
  expect(claimedB?.kind === 'claimed' && claimedB.email.recipients.map((r) => r.address)).toEqual(['b1@example.com']);
  expect(notDue).toMatchObject({ kind: 'not_due' });
  expect(staleVersion).toEqual({ kind: 'skipped', reason: 'stale_version', status: 'scheduled' });
  expect(wrongTenant).toEqual({ kind: 'skipped', reason: 'wrong_tenant' });
  expect(duplicate).toEqual({ kind: 'skipped', reason: 'not_scheduled', status: 'sending' });

  const attempts = await t.db.deliveryAttempt.findMany({ where: { emailId: { in: [a.emailId, b.emailId] } }, orderBy: { emailId: 'asc' } });
  expect(attempts.map((x) => [x.emailId, x.attempt, x.workerId])).toEqual([
    [a.emailId, 1, 'batch-test'],
    [b.emailId, 1, 'batch-test'],
  ]);
  const untouched = await t.db.scheduledEmail.findMany({ where: { id: { in: [later.emailId, stale.emailId, foreign.emailId] } } });
  expect(untouched.map((e) => [e.status, e.attempts])).toEqual([['scheduled', 0], ['scheduled', 0], ['scheduled', 0]]);
});

test('one sent-record batch completes the emails whose fence holds and leaves a lost claim alone', async () => {
  const statements = batched();
  const kept = await schedule(['kept1@example.com', 'kept2@example.com']);
  const lost = await schedule(['lost@example.com']);
  const [claimKept, claimLost] = await Promise.all([
    statements.claim({ ...kept, messageId: messageId(kept.emailId) }),
    statements.claim({ ...lost, messageId: messageId(lost.emailId) }),
  ]);
  if (claimKept?.kind !== 'claimed' || claimLost?.kind !== 'claimed') throw new Error('setup: both claims should succeed');
  // The sweeper took `lost` back while it was being sent, and another worker claimed it (attempt 2).
  await t.db.$executeRaw`UPDATE scheduled_email SET attempts = attempts + 1 WHERE id = ${lost.emailId}`;

  const record = (claim: typeof claimKept) =>
    statements.markSent({
      emailId: claim.email.emailId,
      attempt: claim.email.attempt,
      response: '250 queued',
      recipients: claim.email.recipients.map((r) => ({ id: r.id, address: r.address, status: 'sent' as const, response: '250 ok', refusal: null })),
    });
  await expect(Promise.all([record(claimKept), record(claimLost)])).resolves.toEqual([true, false]);

  const emails = await t.db.scheduledEmail.findMany({ where: { id: { in: [kept.emailId, lost.emailId] } }, include: { recipients: true }, orderBy: { id: 'asc' } });
  expect(emails.map((e) => [e.status, e.recipients.map((r) => r.status)])).toEqual([
    ['sent', ['sent', 'sent']],
    ['sending', ['pending']],
  ]);
  const logged = await t.db.deliveryAttempt.findMany({ where: { emailId: { in: [kept.emailId, lost.emailId] } }, orderBy: { emailId: 'asc' } });
  expect(logged.map((x) => x.outcome)).toEqual(['sent', 'sent_after_lease_lost']);

  // A retry of the same record (the first commit's answer was lost with the connection) is a success.
  await expect(record(claimKept)).resolves.toBe(true);
});

test('forty concurrent deliveries claim in one statement and record in one (and its events), each in one transaction, not forty each', async () => {
  const statements = batched();
  const emails = await Promise.all(Array.from({ length: 40 }, (_, i) => schedule([`bulk${i}@example.com`])));
  t.issued.length = 0;
  const claims = await Promise.all(emails.map((e) => statements.claim({ ...e, messageId: messageId(e.emailId) })));
  expect(claims.every((c) => c.kind === 'claimed')).toBe(true);
  // The claim and its recipients in one statement: their rows locked in that one statement.
  expect(t.issued.map((sql) => /delivery_attempt|^COMMIT$/.exec(sql)?.[0] ?? sql)).toStrictEqual(['delivery_attempt', 'COMMIT']);

  t.issued.length = 0;
  const sent = await Promise.all(
    claims.map((c) =>
      c.kind === 'claimed'
        ? statements.markSent({ emailId: c.email.emailId, attempt: c.email.attempt, response: '250', recipients: [] })
        : false,
    ),
  );
  expect(sent.every(Boolean)).toBe(true);
  // The sent-record, then the events it owes (the outbox), in one transaction.
  expect(t.issued.map((sql) => /UPDATE recipient|WITH new_event|^COMMIT$/.exec(sql)?.[0] ?? sql)).toStrictEqual(['UPDATE recipient', 'WITH new_event', 'COMMIT']);
});

test('two workers batching the same emails in opposite orders claim each exactly once, without deadlock', async () => {
  const emails = await Promise.all(Array.from({ length: 30 }, (_, i) => schedule([`shared${i}@example.com`])));
  const workerA = createDeliveryStatements(t.db, { workerId: 'a', leaseSeconds: 60 }, { maxBatchSize: 50, maxInFlight: 1 });
  const workerB = createDeliveryStatements(t.db, { workerId: 'b', leaseSeconds: 60 }, { maxBatchSize: 50, maxInFlight: 1 });
  const claimAll = (statements: DeliveryStatements, order: typeof emails) =>
    Promise.all(order.map((e) => statements.claim({ ...e, messageId: messageId(e.emailId) })));
  const [byA, byB] = await Promise.all([claimAll(workerA, emails), claimAll(workerB, [...emails].reverse())]);
  const claimedByA = byA.filter((c) => c.kind === 'claimed').length;
  const claimedByB = byB.filter((c) => c.kind === 'claimed').length;
  expect(claimedByA + claimedByB).toBe(30);
  const attempts = await t.db.deliveryAttempt.count({ where: { emailId: { in: emails.map((e) => e.emailId) } } });
  expect(attempts).toBe(30);
});
