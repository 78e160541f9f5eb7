import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { DELIVERY_QUEUE } from '@postdate/queue';
import { waitFor, type ApiClient } from '@postdate/test-support';
import { raceScale, startRaceWorld, type RaceWorld } from '../support';

// Scenarios 2, 3, 4 and 8: requests and four worker processes racing over the same rows.
let world: RaceWorld;
let redis: Redis;
let queue: Queue;

beforeAll(async () => {
  world = await startRaceWorld({
    workers: 4,
    sink: { rcpt: (address) => (address.startsWith('poison') ? { code: 550, message: '5.1.1 no such user' } : undefined) },
  });
  redis = new Redis(world.stack.redisUrl, { maxRetriesPerRequest: null });
  queue = new Queue(DELIVERY_QUEUE, { connection: redis, prefix: world.stack.queuePrefix });
}, 120_000);
afterAll(async () => {
  await queue?.close();
  redis?.disconnect();
  await world?.close();
});

const at = (ms: number) => new Date(Math.ceil((Date.now() + ms) / 1000) * 1000);
const sleepUntil = (when: Date) => new Promise((resolve) => setTimeout(resolve, Math.max(0, when.getTime() - Date.now())));

/** One batch request, so every email exists well before the due instant even on a loaded machine. */
async function createDue(client: ApiClient, count: number, sendAt: Date, to: (i: number) => string[], subject = 'v1') {
  const emails = Array.from({ length: count }, (_, i) => ({ from: 'a@acme.test', to: to(i), subject, text: 'x', sendAt: sendAt.toISOString() }));
  const created = await client.request('POST', '/v1/emails/batch', { emails });
  expect(created.status).toBe(201);
  expect(Date.now()).toBeLessThan(sendAt.getTime());
  return (created.body.data as { id: string }[]).map((e) => e.id);
}

async function settled(client: ApiClient, count: number) {
  return waitFor('every email to reach a final state', async () => {
    const rows = await world.stack.db.scheduledEmail.findMany({ where: { tenantId: client.tenantId }, include: { recipients: true } });
    return rows.length === count && rows.every((r) => ['sent', 'failed', 'canceled'].includes(r.status)) ? rows : null;
  }, 60_000);
}

const acceptedCount = (messageId: string) => world.sink.accepted.filter((m) => m.messageId === messageId).length;

test('scenario 2: 200 emails due in the same second, every job added 5 times → each delivered exactly once', async () => {
  const client = await world.stack.tenant();
  const count = 200 * raceScale;
  const sendAt = at(6000);
  const ids = await createDue(client, count, sendAt, (i) => [`s2-${i}@example.com`]);
  // Four more copies of every job under other ids, so Redis dedupe cannot help.
  await queue.addBulk(ids.flatMap((emailId) => [1, 2, 3, 4].map((copy) => ({
    name: 'deliver',
    data: { emailId, tenantId: client.tenantId.toString(), version: 1 },
    opts: { jobId: `copy${copy}-${emailId}`, delay: Math.max(0, sendAt.getTime() - Date.now()) },
  }))));
  const rows = await settled(client, count);
  expect(rows.every((r) => r.status === 'sent')).toBe(true);
  for (const id of ids) expect(acceptedCount(world.messageIdOf(id))).toBe(1);
});

test('scenario 3: cancel fired at the due instant → each email is either canceled and never sent, or sent and the cancel answered 409', async () => {
  const client = await world.stack.tenant();
  const count = 200 * raceScale;
  const sendAt = at(6000);
  const ids = await createDue(client, count, sendAt, (i) => [`s3-${i}@example.com`]);
  // Each cancel fires at its own instant within ±200 ms of the due time, so both outcomes occur.
  const cancels = await Promise.all(
    ids.map(async (id) => {
      await sleepUntil(new Date(sendAt.getTime() + Math.floor(world.random() * 400) - 200));
      return client.request('POST', `/v1/emails/${id}/cancel`);
    }),
  );
  const rows = await settled(client, count);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const byId = new Map(rows.map((r) => [r.id.toString(), r]));
  let canceled = 0;
  ids.forEach((id, i) => {
    const cancel = cancels[i]!;
    const row = byId.get(id)!;
    const reached = world.sink.received.filter((m) => m.messageId === world.messageIdOf(id)).length;
    if (cancel.status === 200) {
      canceled++;
      expect(row.status).toBe('canceled');
      expect(reached).toBe(0);
    } else {
      expect(cancel.status).toBe(409);
      expect(['sending', 'sent']).toContain(cancel.body.error.details.status);
      expect(row.status).toBe('sent');
      expect(acceptedCount(world.messageIdOf(id))).toBe(1);
    }
  });
  process.stdout.write(`scenario 3: ${canceled} canceled, ${count - canceled} sent\n`);
});

test('scenario 4: PATCH (new subject, a recipient swapped) racing delivery → the message matches exactly one version, never a removed recipient after the removal was acknowledged', async () => {
  const client = await world.stack.tenant();
  const count = 100 * raceScale;
  const sendAt = at(6000);
  const ids = await createDue(client, count, sendAt, (i) => [`keep-${i}@example.com`, `drop-${i}@example.com`]);
  const patches = await Promise.all(
    ids.map(async (id, i) => {
      await sleepUntil(new Date(sendAt.getTime() + Math.floor(world.random() * 400) - 200));
      return client.request('PATCH', `/v1/emails/${id}`, { subject: 'v2', to: [`keep-${i}@example.com`, `new-${i}@example.com`] });
    }),
  );
  const rows = await settled(client, count);
  expect(rows.every((r) => r.status === 'sent')).toBe(true);
  ids.forEach((id, i) => {
    const messages = world.sink.accepted.filter((m) => m.messageId === world.messageIdOf(id));
    expect(messages).toHaveLength(1);
    const message = messages[0]!;
    if (patches[i]!.status === 200) {
      expect(message.subject).toBe('v2');
      expect(message.to.sort()).toEqual([`keep-${i}@example.com`, `new-${i}@example.com`]);
    } else {
      expect(patches[i]!.status).toBe(409);
      expect(message.subject).toBe('v1');
      expect(message.to.sort()).toEqual([`drop-${i}@example.com`, `keep-${i}@example.com`]);
    }
  });
});

test('scenario 8: a poison email (550) among 100 good ones → all good ones delivered once, the poison one failed after one attempt', async () => {
  const client = await world.stack.tenant();
  const count = 100 * raceScale;
  const sendAt = at(6000);
  const good = await createDue(client, count, sendAt, (i) => [`good-${i}@example.com`]);
  const [poison] = await createDue(client, 1, sendAt, () => ['poison@example.com']);
  const rows = await settled(client, count + 1);
  const poisonRow = rows.find((r) => r.id.toString() === poison)!;
  expect(poisonRow).toMatchObject({ status: 'failed', failureReason: 'smtp_rejected', attempts: 1 });
  for (const id of good) expect(acceptedCount(world.messageIdOf(id))).toBe(1);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const poisonAttempts = await world.stack.db.deliveryAttempt.count({ where: { emailId: BigInt(poison!) } });
  expect(poisonAttempts).toBe(1);
});
