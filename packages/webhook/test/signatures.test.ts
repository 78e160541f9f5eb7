import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { createWebhookSender, generateWebhookSecret, type WebhookMessage } from '../src/index';
import { guardedConnect, stubLookup } from './support/guarded-network';
import { startReceiver, type Receiver } from './support/receiver';

// What a receiver gets verifies with the reference library, as a tenant's own code would run it.

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

const network = () => ({ ...stubLookup({ 'hooks.example.test': ['127.0.0.1'] }), ...guardedConnect({ loopbackToo: true }) });

function message(overrides: Partial<WebhookMessage> = {}): WebhookMessage {
  return {
    url: `http://hooks.example.test:${receiver.port}/postdate?tenant=t1`,
    id: `evt_${Math.random().toString(36).slice(2)}`,
    timestamp: new Date(),
    body: JSON.stringify({ type: 'email.sent', data: { emailId: 'em_1', subject: 'héllo' } }),
    secrets: [generateWebhookSecret()],
    ...overrides,
  };
}

async function deliver(sent: WebhookMessage) {
  const { lookup, connect, violations } = network();
  const sender = createWebhookSender({ timeoutMs: 5_000, allowHttp: true, allowPrivate: true, lookup, connect });
  const result = await sender.send(sent);
  expect(violations).toEqual([]);
  expect(result).toMatchObject({ kind: 'answered', statusCode: 200, body: 'ok' });
  const request = receiver.received.find((r) => r.headers['webhook-id'] === sent.id);
  if (!request) throw new Error('the receiver got nothing');
  return request;
}

const headersOf = (request: { headers: Record<string, string | string[] | undefined> }) =>
  request.headers as Record<string, string>;

test('the POST carries the body, the Standard Webhooks headers and our user agent, and verifies', async () => {
  const sent = message();
  const request = await deliver(sent);
  expect(request.method).toBe('POST');
  expect(request.path).toBe('/postdate?tenant=t1');
  expect(request.body).toBe(sent.body);
  expect(request.headers).toMatchObject({
    host: `hooks.example.test:${receiver.port}`,
    'content-type': 'application/json',
    'user-agent': 'postdate-webhooks/1',
    'webhook-id': sent.id,
    'webhook-timestamp': String(Math.floor(sent.timestamp.getTime() / 1000)),
  });
  expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  expect(new Webhook(sent.secrets[0]!).verify(request.body, headersOf(request))).toEqual(JSON.parse(sent.body));
});

test('during a rotation both secrets sign, and a receiver holding either one verifies', async () => {
  const [current, previous] = [generateWebhookSecret(), generateWebhookSecret()];
  const sent = message({ secrets: [current, previous] });
  const request = await deliver(sent);
  expect(headersOf(request)['webhook-signature']!.split(' ')).toHaveLength(2);
  expect(new Webhook(current).verify(request.body, headersOf(request))).toEqual(JSON.parse(sent.body));
  expect(new Webhook(previous).verify(request.body, headersOf(request))).toEqual(JSON.parse(sent.body));
  expect(() => new Webhook(generateWebhookSecret()).verify(request.body, headersOf(request))).toThrow(WebhookVerificationError);
});

test('a tampered body fails verification', async () => {
  const sent = message();
  const request = await deliver(sent);
  const tampered = request.body.replace('em_1', 'em_2');
  expect(() => new Webhook(sent.secrets[0]!).verify(tampered, headersOf(request))).toThrow('No matching signature found');
});

test('a message signed ten minutes ago fails verification: the timestamp is part of what is signed', async () => {
  const sent = message({ timestamp: new Date(Date.now() - 10 * 60_000) });
  const request = await deliver(sent);
  expect(() => new Webhook(sent.secrets[0]!).verify(request.body, headersOf(request))).toThrow('Message timestamp too old');
  // Nor can a replay pass by rewriting the header to now: the signature covers the original time.
  const replayed = { ...headersOf(request), 'webhook-timestamp': String(Math.floor(Date.now() / 1000)) };
  expect(() => new Webhook(sent.secrets[0]!).verify(request.body, replayed)).toThrow('No matching signature found');
});

test('generated secrets are whsec_ + base64 of 24 random bytes, and standardwebhooks takes them', () => {
  const secrets = Array.from({ length: 50 }, generateWebhookSecret);
  for (const secret of secrets) {
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(24);
  }
  expect(new Set(secrets).size).toBe(secrets.length);
  expect(() => new Webhook(secrets[0]!).sign('evt_1', new Date(), '{}')).not.toThrow();
});

test.each([
  ['no secret', []],
  ['a secret not in the whsec_<base64> form', ['whsec_not base64!']],
])('a message with %s is refused before anything is resolved or connected, and no secret is quoted', async (_case, secrets) => {
  const { lookup, asked, connect, calls } = network();
  const sender = createWebhookSender({ timeoutMs: 5_000, allowHttp: true, allowPrivate: true, lookup, connect });
  const result = await sender.send(message({ secrets }));
  expect(result.kind).toBe('refused');
  expect(asked).toEqual([]);
  expect(calls).toEqual([]);
  for (const secret of secrets) expect(JSON.stringify(result)).not.toContain(secret);
});

test("with node's own lookup and connect, an IP literal goes straight to its address", async () => {
  const sent = { ...message(), url: `http://127.0.0.1:${receiver.port}/direct` };
  const sender = createWebhookSender({ timeoutMs: 5_000, allowHttp: true, allowPrivate: true });
  expect(await sender.send(sent)).toMatchObject({ kind: 'answered', statusCode: 200 });
  const request = receiver.received.find((r) => r.headers['webhook-id'] === sent.id)!;
  expect(request.headers.host).toBe(`127.0.0.1:${receiver.port}`);
  expect(new Webhook(sent.secrets[0]!).verify(request.body, headersOf(request))).toEqual(JSON.parse(sent.body));
});
