import { inTransaction, type Db } from '@postdate/db';
import {
  cancelEmail,
  claimForDelivery,
  createEmailInputSchema,
  createEmails,
  createTenant,
  markFailed,
  markSent,
  recoverExpiredLeases,
  removeRecipient,
  scheduleRetry,
  updateEmail,
  updateEmailInputSchema,
  type DeliveryPolicy,
} from '@postdate/domain';
import { useTestDatabase } from '@postdate/db/testing';

// The transactional outbox: every status change writes its event in the same transaction, never after.
// For each transition: run normally, exactly the right events follow the email's last one in sequence;
// run inside a transaction that fails afterwards, neither the change nor its event is left.

const t = useTestDatabase({ poolSize: 4 });
let tenantId: bigint;
const schema = createEmailInputSchema();
const patchSchema = updateEmailInputSchema();
const policy: DeliveryPolicy = { leaseSeconds: 1, maxSendSeconds: 600, maxAttempts: 8, retryBaseSeconds: 30, retryMaxSeconds: 3600, leaseRecovery: 'at-least-once' };

beforeAll(async () => {
  tenantId = (await createTenant(t.db, 'outbox')).tenantId;
});

async function create(to: string[], sendAt?: Date) {
  const input = schema.parse({ from: 's@acme.test', to, text: 'x', ...(sendAt ? { sendAt: sendAt.toISOString() } : {}) });
  const { created } = await createEmails(t.db, { tenantId, emails: [{ input }], now: new Date(), enqueueHorizonSeconds: 3600 });
  return created[0]!.email;
}

async function claim(email: { id: bigint; version: number }, leaseSeconds = 60) {
  const [result] = await claimForDelivery(t.db, { workerId: 'outbox-test', leaseSeconds }, [
    { emailId: email.id, tenantId, version: email.version, messageId: `<postdate.${email.id}@postdate.test>` },
  ]);
  if (result?.kind !== 'claimed') throw new Error(`not claimed: ${JSON.stringify(result)}`);
  return result.email;
}

const eventsOf = async (emailId: bigint) =>
  (await t.db.event.findMany({ where: { emailId }, orderBy: { sequence: 'asc' } })).map((e) => ({ sequence: e.sequence, type: e.type, version: e.emailVersion, data: e.data as Record<string, unknown> }));

const statusOf = async (emailId: bigint) => (await t.db.scheduledEmail.findUniqueOrThrow({ where: { id: emailId } })).status;

/** Runs `change` in a transaction that then fails: whatever it wrote must be gone. */
async function rolledBack(change: (tx: Db) => Promise<unknown>) {
  await expect(
    inTransaction(t.db, async (tx) => {
      await change(tx);
      throw new Error('the caller fails after the change');
    }),
  ).rejects.toThrow('the caller fails after the change');
}

test('create: email.scheduled, sequence 1, with the email; rolled back, neither exists', async () => {
  const email = await create(['a@example.com']);
  expect(await eventsOf(email.id)).toEqual([{ sequence: 1, type: 'email.scheduled', version: 1, data: expect.objectContaining({ status: 'scheduled', recipients: [{ address: 'a@example.com', kind: 'to' }], metadata: {} }) }]);
  const before = await t.db.event.count();
  await rolledBack((tx) => createEmails(tx, { tenantId, emails: [{ input: schema.parse({ from: 's@acme.test', to: ['gone@example.com'], text: 'x' }) }], now: new Date(), enqueueHorizonSeconds: 3600 }));
  expect(await t.db.event.count()).toBe(before);
  expect(await t.db.recipient.count({ where: { address: 'gone@example.com' } })).toBe(0);
});

test('update: email.updated with the fields it changed; rolled back, version and events unchanged', async () => {
  const email = await create(['b@example.com'], new Date(Date.now() + 3_600_000));
  const edit = (db: Db) => updateEmail(db, { tenantId, id: email.id, patch: patchSchema.parse({ subject: 'new' }), now: new Date(), enqueueHorizonSeconds: 3600, maxRecipients: 100 });
  await rolledBack(edit);
  expect(await eventsOf(email.id)).toHaveLength(1);
  await edit(t.db);
  expect((await eventsOf(email.id)).slice(1)).toEqual([{ sequence: 2, type: 'email.updated', version: 2, data: expect.objectContaining({ changed: ['subject'], rearmed: false, status: 'scheduled' }) }]);
});

test('cancel: email.canceled (client); remove the last recipient: email.canceled (last_recipient_removed); remove one of two: email.updated', async () => {
  const canceled = await create(['c@example.com'], new Date(Date.now() + 3_600_000));
  await rolledBack((tx) => cancelEmail(tx, tenantId, canceled.id));
  expect(await statusOf(canceled.id)).toBe('scheduled');
  await cancelEmail(t.db, tenantId, canceled.id);
  expect((await eventsOf(canceled.id)).map((e) => [e.sequence, e.type, e.data.reason])).toEqual([[1, 'email.scheduled', undefined], [2, 'email.canceled', 'client']]);

  const two = await create(['d1@example.com', 'd2@example.com'], new Date(Date.now() + 3_600_000));
  await removeRecipient(t.db, tenantId, two.id, 'd1@example.com');
  await removeRecipient(t.db, tenantId, two.id, 'd2@example.com');
  expect((await eventsOf(two.id)).map((e) => [e.type, e.data.removedRecipient ?? e.data.reason])).toEqual([
    ['email.scheduled', undefined],
    ['email.updated', 'd1@example.com'],
    ['email.canceled', 'last_recipient_removed'],
  ]);
});

test('sent: email.sent with per-recipient results, and email.recipient_rejected for each refused; rolled back, none', async () => {
  const email = await create(['ok@example.com', 'no@example.com']);
  const claimed = await claim(email);
  const [ok, no] = claimed.recipients;
  const record = (db: Db) =>
    markSent(db, [
      {
        emailId: email.id,
        attempt: claimed.attempt,
        response: '250 queued',
        recipients: [
          { id: ok!.id, address: ok!.address, status: 'sent', response: '250 queued', refusal: null },
          { id: no!.id, address: no!.address, status: 'rejected', response: '550 no such user', refusal: 'permanent' },
        ],
      },
    ]);
  await rolledBack(record);
  expect(await statusOf(email.id)).toBe('sending');
  expect(await eventsOf(email.id)).toHaveLength(1);
  expect(await record(t.db)).toEqual([true]);
  expect((await eventsOf(email.id)).slice(1)).toEqual([
    { sequence: 2, type: 'email.sent', version: 1, data: expect.objectContaining({ attempt: 1, messageId: `<postdate.${email.id}@postdate.test>`, recipients: expect.arrayContaining([expect.objectContaining({ address: 'no@example.com', status: 'rejected', refusal: 'permanent' })]) }) },
    { sequence: 3, type: 'email.recipient_rejected', version: 1, data: expect.objectContaining({ address: 'no@example.com', smtpResponse: '550 no such user', refusal: 'permanent' }) },
  ]);
  // A retry of the same record (its answer lost) writes nothing more.
  expect(await record(t.db)).toEqual([true]);
  expect(await eventsOf(email.id)).toHaveLength(3);
});

test('failed: email.failed with its reason; a retry: email.delivery_delayed with the next attempt time', async () => {
  const failing = await create(['f@example.com']);
  const first = await claim(failing);
  const fail = (db: Db) => markFailed(db, { emailId: failing.id, attempt: first.attempt, reason: 'smtp_rejected', error: '550 no', recipients: [] });
  await rolledBack(fail);
  expect(await statusOf(failing.id)).toBe('sending');
  await fail(t.db);
  expect((await eventsOf(failing.id)).map((e) => [e.type, e.data.reason])).toEqual([['email.scheduled', undefined], ['email.failed', 'smtp_rejected']]);

  const retried = await create(['r@example.com']);
  const attempt = await claim(retried);
  await scheduleRetry(t.db, { emailId: retried.id, attempt: attempt.attempt, delaySeconds: 30, error: '451 later', horizonSeconds: 3600 });
  const [, delayed] = await eventsOf(retried.id);
  expect(delayed).toMatchObject({ sequence: 2, type: 'email.delivery_delayed', data: { reason: 'smtp_transient', attempt: 1, error: '451 later' } });
  expect(Date.parse(String(delayed!.data.nextAttemptAt)) - Date.now()).toBeGreaterThan(20_000);
});

test('lease recovery: email.delivery_delayed (lease_expired) with the change; expiry at the claim: email.failed (expired)', async () => {
  const crashed = await create(['crash@example.com']);
  await claim(crashed, 1);
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  await recoverExpiredLeases(t.db, policy, 100);
  expect((await eventsOf(crashed.id)).map((e) => [e.type, e.data.reason])).toEqual([['email.scheduled', undefined], ['email.delivery_delayed', 'lease_expired']]);

  const late = await create(['late@example.com']);
  await t.db.scheduledEmail.update({ where: { id: late.id }, data: { expiresAfterSeconds: 1, sendAt: new Date(Date.now() - 10_000), dueAt: new Date(Date.now() - 10_000) } });
  const [result] = await claimForDelivery(t.db, { workerId: 'outbox-test', leaseSeconds: 60 }, [{ emailId: late.id, tenantId, version: late.version, messageId: 'm' }]);
  expect(result).toEqual({ kind: 'expired' });
  expect((await eventsOf(late.id)).map((e) => [e.type, e.data.reason])).toEqual([['email.scheduled', undefined], ['email.failed', 'expired']]);
});

test('each event is fanned out to the endpoints subscribed to its type, in the same transaction', async () => {
  const endpoint = await t.db.webhookEndpoint.create({ data: { tenantId, url: 'https://hooks.example/x', eventTypes: ['email.sent', 'email.failed'], secret: 'whsec_test' } });
  const disabled = await t.db.webhookEndpoint.create({ data: { tenantId, url: 'https://hooks.example/y', eventTypes: ['email.sent'], secret: 'whsec_test', enabled: false } });
  const email = await create(['fan@example.com']);
  const claimed = await claim(email);
  await markSent(t.db, [{ emailId: email.id, attempt: claimed.attempt, response: '250', recipients: [] }]);
  const deliveries = await t.db.webhookDelivery.findMany({ where: { event: { emailId: email.id } }, include: { event: true } });
  expect(deliveries.map((d) => [d.endpointId, d.event.type, d.status])).toEqual([[endpoint.id, 'email.sent', 'pending']]);
  expect(deliveries.some((d) => d.endpointId === disabled.id)).toBe(false);
});
