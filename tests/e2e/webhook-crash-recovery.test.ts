import { startRedisServer, startSmtpSink, startWebhookReceiver, waitFor, workerVariables, type RedisServer, type SmtpSink, type WebhookReceiver } from '@postdate/test-support';
import { startTestStack, startWorkerProcess, type TestStack } from '../support';

// Redis and the workers are not the source of truth for webhooks either: a worker SIGKILLed while the
// receiver holds its POST, and a FLUSHALL while deliveries wait in the queue, lose no event; the second POST
// of an event carries its first one's webhook-id.

let sink: SmtpSink;
let receiver: WebhookReceiver;
let release: () => void = () => undefined;
const later = () => new Date(Date.now() + 3_600_000).toISOString();

beforeAll(async () => {
  sink = await startSmtpSink();
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  release();
  await sink?.close();
  await receiver?.close();
});

describe('a worker SIGKILLed mid-POST', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack?.close());

  test('the lease runs out, the sweeper takes the delivery back and another worker POSTs it again, same webhook-id', async () => {
    // The first POST is held unanswered; later ones are answered 200.
    receiver.behaviour.respond = (request) =>
      receiver.received.indexOf(request) === 0 ? new Promise((resolve) => (release = () => resolve({ status: 200 }))) : undefined;
    const client = await stack.tenant();
    const { body: endpoint } = await client.request('POST', '/v1/webhooks', { url: receiver.url, events: ['email.scheduled'] });
    // A POST's lease is max(LEASE_SECONDS, 2 × WEBHOOK_TIMEOUT_MS): 4 s here. The doomed worker's own sweeper
    // is slowed down so that only the survivor, started after the kill, takes the delivery back.
    const settings = { LEASE_SECONDS: '3', WEBHOOK_TIMEOUT_MS: '2000' };
    const doomed = await startWorkerProcess(workerVariables(stack, sink.url, { ...settings, SWEEP_INTERVAL_MS: '600000' }));
    const created = await client.request('POST', '/v1/emails', { from: 'a@acme.test', to: ['ann@example.com'], text: 'x', sendAt: later() });
    await waitFor('the POST to be held at the receiver', () => receiver.received.length === 1);
    expect(await doomed.kill('SIGKILL')).toBe('SIGKILL');
    const survivor = await stack.startWorker(sink.url, settings);

    await waitFor('a second POST, answered', () => receiver.received[1]?.status === 200, 20_000);
    const [first, second] = receiver.received;
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(second!.body).toBe(first!.body);
    expect(JSON.parse(second!.body).data).toMatchObject({ emailId: created.body.id, type: 'email.scheduled' });
    const attempts = await waitFor('both attempts finished', async () => {
      const listed = (await client.request('GET', `/v1/webhooks/${endpoint.id}/attempts`)).body.data as { outcome: string | null }[];
      return listed.every((a) => a.outcome) && listed.length === 2 ? listed : null;
    });
    expect(attempts.map((a) => a.outcome)).toEqual(['delivered', 'lease_expired']);
    await survivor.stop();
  });
});

describe('FLUSHALL while deliveries wait in the queue', () => {
  let redis: RedisServer;
  let stack: TestStack;
  beforeAll(async () => {
    redis = await startRedisServer();
    stack = await startTestStack({ redisUrl: redis.url });
  });
  afterAll(async () => {
    await stack?.close();
    await redis?.stop();
    redis?.client.disconnect();
  });

  test('every event still arrives, once: the sweeper re-adds the jobs Redis lost', async () => {
    release();
    // A slow receiver and two POSTs at a time, so most deliveries are still waiting in Redis at the flush.
    receiver.behaviour.respond = () => new Promise((resolve) => setTimeout(() => resolve({ status: 200 }), 100));
    receiver.received.length = 0;
    const client = await stack.tenant();
    await client.request('POST', '/v1/webhooks', { url: receiver.url, events: ['email.scheduled'] });
    await stack.startWorker(sink.url, { WEBHOOK_CONCURRENCY: '2' });
    const created = await Promise.all(
      Array.from({ length: 30 }, (_, i) => client.request('POST', '/v1/emails', { from: 'a@acme.test', to: [`u${i}@example.com`], text: 'x', sendAt: later() })),
    );
    await waitFor('a few events delivered', () => receiver.acknowledged().length >= 4);
    await redis.client.flushall();
    const delivered = receiver.acknowledged().length;
    expect(delivered).toBeLessThan(30);

    await waitFor('all 30 events at the receiver', () => receiver.acknowledged().length >= 30, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const emailIds = receiver.acknowledged().map((b) => (b as { data: { emailId: string } }).data.emailId);
    expect(emailIds.sort()).toEqual(created.map((c) => c.body.id as string).sort());
    const rows = await stack.db.webhookDelivery.findMany({ where: { tenantId: client.tenantId } });
    expect(rows.map((r) => r.status)).toEqual(Array(30).fill('delivered'));
  });
});
