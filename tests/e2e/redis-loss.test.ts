import { createDeliveryQueue, createRedisConnection, deliveryJobId } from '@postdate/queue';
import { startRedisCluster, startRedisServer, startSmtpSink, waitFor, type RedisClusterServers, type RedisServer, type SmtpSink } from '@postdate/test-support';
import { startTestStack, type TestStack } from '../support';

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

async function createMany(count: number, sendAt: Date, world: TestStack = stack) {
  const client = await world.tenant();
  const created = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      client.request('POST', '/v1/emails', { from: 'a@acme.test', to: [`u${i}@example.com`], text: 'x', sendAt: sendAt.toISOString() }),
    ),
  );
  expect(created.map((c) => c.status)).toEqual(Array(count).fill(201));
  return { client, ids: created.map((c) => c.body.id as string) };
}

/** Ten emails due shortly, then everything Redis holds flushed before they are due: each is still sent, once. */
async function flushedBeforeDue(world: TestStack, worldSink: SmtpSink, keys: () => Promise<number>, flushAll: () => Promise<unknown>) {
  const { client } = await createMany(10, new Date(Date.now() + 1500), world);
  expect(await keys()).toBeGreaterThan(0);
  await flushAll();
  await waitFor('all ten emails at the sink', () => worldSink.accepted.length >= 10, 30_000);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect(worldSink.accepted).toHaveLength(10);
  expect([...worldSink.countByMessageId().values()].every((n) => n === 1)).toBe(true);
  const rows = await world.db.scheduledEmail.findMany({ where: { tenantId: client.tenantId } });
  expect(rows.every((r) => r.status === 'sent')).toBe(true);
}

test('after FLUSHALL every accepted email is still delivered, once', () =>
  flushedBeforeDue(stack, sink, () => redis.client.dbsize(), () => redis.client.flushall()));

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

/** Fifteen emails lose their jobs and are overdue when a worker starts: its first sweep pass re-adds them all. */
async function onePassAfterFlush(startWorld: () => Promise<TestStack>, worldSink: SmtpSink, flushAll: () => Promise<unknown>) {
  // A world of its own: its sweep scheduler runs once a minute, so only the pass made at start can be seen.
  const world = await startWorld();
  try {
    const client = await world.tenant();
    const created = await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        client.request('POST', '/v1/emails', { from: 'a@acme.test', to: [`late${i}@example.com`], text: 'x', sendAt: new Date(Date.now() + 60_000).toISOString() }),
      ),
    );
    expect(created.map((c) => c.status)).toEqual(Array(15).fill(201));
    const recipients = Array.from({ length: 15 }, (_, i) => `late${i}@example.com`).sort();
    await flushAll();
    // Overdue past the grace, as if Redis had been gone for a minute.
    await world.db.$executeRaw`UPDATE scheduled_email SET send_at = now() - interval '1 minute', due_at = now() - interval '1 minute'`;

    await world.startWorker(worldSink.url, { SWEEP_BATCH_SIZE: '5', SWEEP_INTERVAL_MS: '60000' });
    // Recipients, not Message-IDs, tell these apart: this world's database issues the same ids again.
    const ours = () => worldSink.accepted.flatMap((m) => m.to).filter((to) => recipients.includes(to));
    await waitFor('all fifteen emails at the sink', () => ours().length >= 15, 20_000);
    expect(ours().sort()).toEqual(recipients);
  } finally {
    await world.close();
  }
}

test('after FLUSHALL one sweep pass gives every overdue email its job back, three SWEEP_BATCH_SIZEs of them', () =>
  onePassAfterFlush(() => startTestStack({ redisUrl: redis.url }), sink, () => redis.client.flushall()));

describe('on a Redis Cluster, REDIS_CLUSTER_NODES naming a node without the queue slot', () => {
  let cluster: RedisClusterServers;
  let world: TestStack;
  let worldSink: SmtpSink;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    world = await startTestStack({ redisCluster: cluster });
    worldSink = await startSmtpSink();
    await world.startWorker(worldSink.url);
  });
  afterAll(async () => {
    await world?.close();
    await worldSink?.close();
    await cluster?.stop();
  });

  test('after FLUSHALL on every master every accepted email is still delivered, once', async () => {
    const keys = async () => (await Promise.all(cluster.masters.map((master) => master.dbsize()))).reduce((a, b) => a + b, 0);
    await flushedBeforeDue(world, worldSink, keys, () => cluster.flushAll());
  });

  test('after FLUSHALL on every master one sweep pass gives every overdue email its job back, three SWEEP_BATCH_SIZEs of them', () =>
    onePassAfterFlush(() => startTestStack({ redisCluster: cluster }), worldSink, () => cluster.flushAll()));
});
