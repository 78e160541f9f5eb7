import { createDeliveryQueue, createRedisConnection, deliveryJobId } from '@postdate/queue';
import { startRedisServer, startSmtpSink, startTestStack, waitFor, type RedisServer, type SmtpSink, type TestStack } from '@postdate/test-support';

let redis: RedisServer;
let stack: TestStack;
let sink: SmtpSink;

beforeAll(async () => {
  redis = await startRedisServer();
  stack = await startTestStack({ redisUrl: redis.url });
  sink = await startSmtpSink();
  await stack.startWorker(sink.url);
});
afterAll(async () => {
  await stack?.close();
  await sink?.close();
  await redis?.stop();
  redis?.client.disconnect();
});

async function createMany(count: number, sendAt: Date) {
  const client = await stack.tenant();
  const created = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      client.request('POST', '/v1/emails', { from: 'a@acme.test', to: [`u${i}@example.com`], text: 'x', sendAt: sendAt.toISOString() }),
    ),
  );
  expect(created.map((c) => c.status)).toEqual(Array(count).fill(201));
  return { client, ids: created.map((c) => c.body.id as string) };
}

test('after FLUSHALL every accepted email is still delivered, once', async () => {
  const { client } = await createMany(10, new Date(Date.now() + 1500));
  expect(await redis.client.dbsize()).toBeGreaterThan(0);
  await redis.client.flushall();
  await waitFor('all ten emails at the sink', () => sink.accepted.length >= 10, 30_000);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect(sink.accepted).toHaveLength(10);
  expect([...sink.countByMessageId().values()].every((n) => n === 1)).toBe(true);
  const rows = await stack.db.scheduledEmail.findMany({ where: { tenantId: client.tenantId } });
  expect(rows.every((r) => r.status === 'sent')).toBe(true);
});

test('while Redis is down the API still accepts emails; they are delivered once Redis is back', async () => {
  sink.accepted.length = 0;
  await redis.stop();
  const started = Date.now();
  const { ids } = await createMany(3, new Date());
  expect(Date.now() - started).toBeLessThan(5000);
  await redis.start();
  await waitFor('the three emails at the sink', () => sink.accepted.length >= 3, 30_000);
  expect(sink.accepted.map((m) => m.messageId).sort()).toEqual(ids.map((id) => `<postdate.${id}@postdate.test>`).sort());
});

test('an overdue email whose job Redis holds delayed to a later time is run by the sweeper, not left to that timer', async () => {
  sink.accepted.length = 0;
  const client = await stack.tenant();
  const created = await client.request('POST', '/v1/emails', {
    from: 'a@acme.test', to: ['restored@example.com'], text: 'x', sendAt: new Date(Date.now() + 60_000).toISOString(),
  });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  const jobId = deliveryJobId({ emailId: id, createdAt: new Date(created.body.createdAt), version: 1, attempts: 0 });

  // A stale timer: the job is due in an hour, the row (at the same version) is due now.
  const connection = createRedisConnection(redis.url, 'producer');
  const queue = createDeliveryQueue(connection, stack.queuePrefix);
  try {
    expect(await queue.getJobState(jobId)).toBe('delayed');
    await queue.remove(jobId);
    await queue.add('deliver', { emailId: id, tenantId: client.tenantId.toString(), version: 1 }, { jobId, delay: 3_600_000 });
    await stack.db.$executeRaw`UPDATE scheduled_email SET send_at = now(), due_at = now() WHERE id = ${BigInt(id)}`;

    await waitFor('the email at the sink', () => sink.accepted.length >= 1, 20_000);
    expect(sink.accepted.map((m) => m.messageId)).toEqual([`<postdate.${id}@postdate.test>`]);
  } finally {
    await queue.close();
    connection.disconnect();
  }
});
