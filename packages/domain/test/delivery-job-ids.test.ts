import { inTransaction } from '@postdate/db';
import {
  claimForDelivery, createEmailInputSchema, createEmails, createTenant, findOverdueEmails, promoteToHorizon, recoverExpiredLeases,
  scheduleRetry, updateEmail, updateEmailInputSchema, type DeliveryPolicy, type DeliveryTarget,
} from '@postdate/domain';
import { deliveryJobId } from '@postdate/queue';
import { useTestDatabase } from '@postdate/db/testing';

// Job ids name the email's creation time, read by each path that hands an email to the queue through a
// different decoder (a JSON aggregate, node-postgres, Prisma's model). If any disagreed by a millisecond,
// the sweeper would look for a job under another id than the API gave it, and add a second one.

const t = useTestDatabase();
const schema = createEmailInputSchema();
let tenantId: bigint;

beforeAll(async () => {
  tenantId = (await createTenant(t.db, 'job-ids')).tenantId;
});

async function create(sendAt: Date): Promise<{ id: bigint; createdAt: Date; target: DeliveryTarget | null }> {
  const input = schema.parse({ from: 'a@acme.test', to: ['ann@example.com'], text: 'x', sendAt: sendAt.toISOString() });
  const result = await inTransaction(t.db, (tx) => createEmails(tx, { tenantId, emails: [{ input }], now: new Date(), enqueueHorizonSeconds: 3600 }));
  const row = await t.db.scheduledEmail.findUniqueOrThrow({ where: { id: result.created[0]!.email.id } });
  return { id: row.id, createdAt: row.createdAt, target: result.toEnqueue[0] ?? null };
}

test('the API, the sweeper\'s scans and an edit name the same email with the same creation time, to the millisecond', async () => {
  const samples = await Promise.all(Array.from({ length: 20 }, () => create(new Date())));
  for (const { target, createdAt } of samples) expect(target!.createdAt.getTime()).toBe(createdAt.getTime());

  await t.db.$executeRaw`UPDATE scheduled_email SET due_at = now() - interval '1 hour' WHERE tenant_id = ${tenantId}`;
  const overdue = await findOverdueEmails(t.db, 1000, 100);
  expect(new Map(overdue.map((o) => [o.emailId, deliveryJobId(o)]))).toEqual(new Map(samples.map((s) => [s.id.toString(), deliveryJobId(s.target!)])));

  const later = await create(new Date(Date.now() + 7_200_000));
  expect(later.target).toBeNull();
  const promoted = await inTransaction(t.db, (tx) => promoteToHorizon(tx, 3 * 3600, 100));
  expect(promoted.map((p) => p.createdAt.getTime())).toEqual([later.createdAt.getTime()]);

  const edited = await inTransaction(t.db, (tx) =>
    updateEmail(tx, { tenantId, id: later.id, patch: updateEmailInputSchema().parse({ subject: 'edited' }), now: new Date(), enqueueHorizonSeconds: 3 * 3600, maxRecipients: 100 }),
  );
  expect(deliveryJobId(edited!)).toBe(deliveryJobId({ ...promoted[0]!, version: 2 }));
});

test('so do a retry and a lease taken back from a dead worker', async () => {
  const [retried, abandoned] = [await create(new Date()), await create(new Date())];
  const claims = await claimForDelivery(t.db, { workerId: 'job-ids', leaseSeconds: 60 }, [retried, abandoned].map((e) => ({
    emailId: e.id, tenantId, version: 1, messageId: `<${e.id}@job-ids.test>`,
  })));
  expect(claims.map((c) => c.kind)).toEqual(['claimed', 'claimed']);

  const retry = await inTransaction(t.db, (tx) =>
    scheduleRetry(tx, { emailId: retried.id, attempt: 1, delaySeconds: 1, error: '451 try later', horizonSeconds: 3600 }),
  );
  expect(retry.fenced && retry.enqueue?.createdAt.getTime()).toBe(retried.createdAt.getTime());

  await t.db.$executeRaw`UPDATE scheduled_email SET lease_until = now() - interval '1 second' WHERE id = ${abandoned.id}`;
  const policy: DeliveryPolicy = { leaseSeconds: 60, maxSendSeconds: 600, maxAttempts: 8, retryBaseSeconds: 1, retryMaxSeconds: 2, leaseRecovery: 'at-least-once' };
  const recovered = await inTransaction(t.db, (tx) => recoverExpiredLeases(tx, policy, 100));
  expect(recovered.rescheduled.map((r) => r.createdAt.getTime())).toEqual([abandoned.createdAt.getTime()]);
});
