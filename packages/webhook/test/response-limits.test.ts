import { createWebhookSender, generateWebhookSecret, RESPONSE_BODY_CAP, type WebhookMessage } from '../src/index';
import { guardedConnect, stubLookup } from './support/guarded-network';
import { startReceiver, type Answer, type Receiver } from './support/receiver';

// A receiver can hold a sender only as long as timeoutMs, and can make it read only RESPONSE_BODY_CAP bytes.

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function sendTo(answer: Answer, { timeoutMs = 5_000 } = {}) {
  const receiver = await startReceiver(answer);
  receivers.push(receiver);
  const { lookup } = stubLookup({ 'hooks.example.test': ['127.0.0.1'] });
  const { connect, violations } = guardedConnect({ loopbackToo: true });
  const sender = createWebhookSender({ timeoutMs, allowHttp: true, allowPrivate: true, lookup, connect });
  const message: WebhookMessage = {
    url: `http://hooks.example.test:${receiver.port}/`,
    id: 'evt_limits',
    timestamp: new Date(),
    body: '{}',
    secrets: [generateWebhookSecret()],
  };
  const result = await sender.send(message);
  expect(violations).toEqual([]);
  return result;
}

test('an endless response body is read up to 1 KiB, then the connection is closed', async () => {
  let hungUp: Promise<void> | undefined;
  const result = await sendTo((_request, response) => {
    hungUp = new Promise((resolve) => response.on('close', resolve));
    response.writeHead(200, { 'content-type': 'text/plain' });
    // Writes until the sender hangs up: the test ends only if it does.
    const more = () => {
      while (!response.destroyed && response.write('x'.repeat(4096)));
      if (!response.destroyed) response.once('drain', more);
    };
    more();
  });
  expect(result).toMatchObject({ kind: 'answered', statusCode: 200 });
  if (result.kind !== 'answered') return;
  expect(result.body).toBe('x'.repeat(RESPONSE_BODY_CAP));
  expect(RESPONSE_BODY_CAP).toBe(1024);
  await hungUp;
});

test('a short body is returned whole, with any status', async () => {
  const result = await sendTo((_request, response) => response.writeHead(503).end('come back later'));
  expect(result).toMatchObject({ kind: 'answered', statusCode: 503, body: 'come back later' });
});

test('a receiver that never answers is given up on at timeoutMs, as failed', async () => {
  const result = await sendTo(() => undefined, { timeoutMs: 300 });
  expect(result).toMatchObject({ kind: 'failed', error: 'timed out after 300 ms' });
  expect(result.durationMs).toBeGreaterThanOrEqual(290);
  expect(result.durationMs).toBeLessThan(2_000);
});

test('time running out mid-body keeps the answer: the status was given', async () => {
  const result = await sendTo(
    (_request, response) => {
      response.writeHead(200);
      response.write('partial');
    },
    { timeoutMs: 300 },
  );
  expect(result).toMatchObject({ kind: 'answered', statusCode: 200, body: 'partial' });
  expect(result.durationMs).toBeGreaterThanOrEqual(290);
});

test('a name that never resolves is bounded by timeoutMs too', async () => {
  const neverAnswers = (() => undefined) as unknown as NonNullable<Parameters<typeof createWebhookSender>[0]['lookup']>;
  const { connect, calls } = guardedConnect({ loopbackToo: false });
  const sender = createWebhookSender({ timeoutMs: 200, allowHttp: false, allowPrivate: false, lookup: neverAnswers, connect });
  const result = await sender.send({
    url: 'https://slow-dns.example/',
    id: 'evt_1',
    timestamp: new Date(),
    body: '{}',
    secrets: [generateWebhookSecret()],
  });
  expect(result).toMatchObject({ kind: 'failed', error: 'resolving slow-dns.example: timed out after 200 ms' });
  expect(calls).toEqual([]);
});

test('a refused connection is failed, not refused: it may work next time', async () => {
  const receiver = await startReceiver();
  const port = receiver.port;
  await receiver.close();
  const { lookup } = stubLookup({ 'hooks.example.test': ['127.0.0.1'] });
  const { connect } = guardedConnect({ loopbackToo: true });
  const sender = createWebhookSender({ timeoutMs: 5_000, allowHttp: true, allowPrivate: true, lookup, connect });
  const result = await sender.send({
    url: `http://hooks.example.test:${port}/`,
    id: 'evt_1',
    timestamp: new Date(),
    body: '{}',
    secrets: [generateWebhookSecret()],
  });
  expect(result).toMatchObject({ kind: 'failed', error: expect.stringContaining('ECONNREFUSED') });
});
