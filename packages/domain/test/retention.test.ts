import { inTransaction } from '@postdate/db';
import { createEmailInputSchema, createEmails, createTenant, deleteExpiredEmails, sweepDueEmails, type SweepContext } from '@postdate/domain';
import { useTestDatabase } from '@postdate/db/testing';

// Retention: finished emails (sent, failed, canceled) leave the database RETENTION_DAYS after they
// finished, with their recipients, delivery attempts and events, in bounded batches from the sweeper. Live
// rows (scheduled, sending) are never touched, however old; nor is a finished row another transaction
// holds (an edit re-arming it), nor one whose events still wait to reach a webhook.

const t = useTestDatabase({ poolSize: 4 });
const schema = createEmailInputSchema();
let tenantId: bigint;

beforeAll(async () => {
  tenantId = (await createTenant(t.db, 'retention')).tenantId;
});
// Each test starts from an empty table: what one test leaves must not count in another's batches.
beforeEach(() => t.db.$executeRaw`DELETE FROM scheduled_email`);

/** An email in `status`, last changed `daysAgo` days ago, with a delivery attempt (and the event of its creation). */
async function emailIn(status: 'scheduled' | 'sending' | 'sent' | 'failed' | 'canceled', daysAgo: number): Promise<bigint> {
  const input = schema.parse({ from: 'a@acme.test', to: ['ann@example.com', 'bob@example.com'], text: 'x' });
  const { created } = await inTransaction(t.db, (tx) => createEmails(tx, { tenantId, emails: [{ input }], now: new Date(), enqueueHorizonSeconds: 3600 }));
  const id = created[0]!.email.id;
  const at = new Date(Date.now() - daysAgo * 86_400_000);
  await t.db.$executeRaw`UPDATE scheduled_email SET status = ${status}::email_status, updated_at = ${at}, attempts = 1 WHERE id = ${id}`;
  await t.db.$executeRaw`INSERT INTO delivery_attempt (email_id, attempt, worker_id, started_at, finished_at, outcome) VALUES (${id}, 1, 'w', ${at}, ${at}, 'sent')`;
  return id;
}

async function remaining(ids: bigint[]) {
  const [emails, recipients, attempts, events] = await Promise.all([
    t.db.scheduledEmail.count({ where: { id: { in: ids } } }),
    t.db.recipient.count({ where: { emailId: { in: ids } } }),
    t.db.deliveryAttempt.count({ where: { emailId: { in: ids } } }),
    t.db.event.count({ where: { emailId: { in: ids } } }),
  ]);
  return { emails, recipients, attempts, events };
}

test('finished emails older than the retention go with their recipients, attempts and events; recent and live ones stay', async () => {
  const expired = [await emailIn('sent', 31), await emailIn('failed', 40), await emailIn('canceled', 400)];
  const recent = [await emailIn('sent', 29), await emailIn('failed', 1), await emailIn('canceled', 0)];
  const live = [await emailIn('scheduled', 400), await emailIn('sending', 400)];

  expect(await deleteExpiredEmails(t.db, 30, 100)).toBe(3);
  expect(await remaining(expired)).toEqual({ emails: 0, recipients: 0, attempts: 0, events: 0 });
  expect(await remaining([...recent, ...live])).toEqual({ emails: 5, recipients: 10, attempts: 5, events: 5 });
  expect(await deleteExpiredEmails(t.db, 30, 100)).toBe(0);
});

test('one call deletes at most one batch, oldest first; a sweep pass at most ten', async () => {
  const ids: bigint[] = [];
  for (let i = 0; i < 25; i++) ids.push(await emailIn('sent', 100 - i));
  expect(await deleteExpiredEmails(t.db, 30, 2)).toBe(2);
  expect(await remaining(ids.slice(0, 2))).toMatchObject({ emails: 0 });
  expect(await remaining(ids.slice(2))).toMatchObject({ emails: 23 });

  const pass = (retentionDays: number | null) => sweepDueEmails({ ...sweepContext(), batchSize: 2, retentionDays });
  expect((await pass(null)).emailsDeleted).toBe(0);
  expect((await pass(30)).emailsDeleted).toBe(20);
  expect((await pass(30)).emailsDeleted).toBe(3);
  expect(await remaining(ids)).toMatchObject({ emails: 0 });
});

test('a finished email another transaction holds (an edit re-arming it) is passed over, not waited for', async () => {
  const [held, free] = [await emailIn('failed', 60), await emailIn('failed', 60)];
  let release!: () => void;
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const holder = t.db.$transaction(async (tx) => {
    // Holds the row as an edit does while it re-arms the email.
    await tx.$queryRaw`SELECT id FROM scheduled_email WHERE id = ${held} FOR UPDATE`;
    locked();
    await new Promise<void>((resolve) => (release = resolve));
    await tx.$executeRaw`UPDATE scheduled_email SET status = 'scheduled', updated_at = now() WHERE id = ${held}`;
  });
  await isLocked;
  try {
    expect(await deleteExpiredEmails(t.db, 30, 100)).toBe(1);
  } finally {
    release();
    await holder;
  }
  expect(await remaining([free])).toMatchObject({ emails: 0 });
  // Re-armed meanwhile: live again, so it stays.
  expect(await deleteExpiredEmails(t.db, 30, 100)).toBe(0);
  expect(await remaining([held])).toMatchObject({ emails: 1 });
});

test('an email whose events still wait to reach a webhook endpoint stays until they are done', async () => {
  const id = await emailIn('sent', 60);
  const [endpoint] = await t.db.$queryRaw<{ id: bigint }[]>`
    INSERT INTO webhook_endpoint (tenant_id, url, event_types, secret) VALUES (${tenantId}, 'https://hooks.example.com/x', '{email.sent}', 'whsec_x')
    RETURNING id`;
  await t.db.$executeRaw`
    INSERT INTO webhook_delivery (tenant_id, event_id, endpoint_id, status)
    SELECT ${tenantId}, id, ${endpoint!.id}, 'pending' FROM event WHERE email_id = ${id}`;
  expect(await deleteExpiredEmails(t.db, 30, 100)).toBe(0);
  await t.db.$executeRaw`UPDATE webhook_delivery SET status = 'delivered'`;
  expect(await deleteExpiredEmails(t.db, 30, 100)).toBe(1);
  expect(await t.db.$queryRaw<unknown[]>`SELECT 1 FROM webhook_delivery`).toHaveLength(0);
});

test('the retention query reads the finished-emails index, not the whole table', async () => {
  const plan = await inTransaction(t.db, async (tx) => {
    // On a table this small the planner would scan it anyway; forbidding that shows whether the index can serve the query.
    await tx.$executeRaw`SET LOCAL enable_seqscan = off`;
    await tx.$executeRaw`SET LOCAL enable_bitmapscan = off`;
    return tx.$queryRaw<{ 'QUERY PLAN': string }[]>`
      EXPLAIN SELECT id FROM scheduled_email
      WHERE status IN ('sent', 'failed', 'canceled') AND updated_at < now() - make_interval(days => 30)
      ORDER BY updated_at LIMIT 500 FOR UPDATE SKIP LOCKED`;
  });
  expect(plan.map((row) => row['QUERY PLAN']).join('\n')).toMatch(/Index Scan using scheduled_email_finished_idx/);
});

function sweepContext(): SweepContext {
  const none = async () => undefined;
  return {
    db: t.db,
    policy: { leaseSeconds: 60, maxSendSeconds: 600, maxAttempts: 8, retryBaseSeconds: 1, retryMaxSeconds: 2, leaseRecovery: 'at-least-once' },
    horizonSeconds: 3600,
    graceMs: 1000,
    batchSize: 2,
    enqueue: none,
    reEnqueue: async () => ({ reEnqueued: 0, delayedRunNow: 0 }),
  };
}
