import { Webhook } from 'standardwebhooks';
import { EVENT_TYPES } from '@postdate/domain';
import { startSmtpSink, startWebhookReceiver, waitFor, type ApiClient, type ReceivedWebhook, type SmtpSink, type WebhookReceiver } from '@postdate/test-support';
import { startTestStack, type TestStack } from '../support';

// What a receiver gets: every transition of an email's life as exactly one event of the right type, numbered
// in the email's sequence; signed per Standard Webhooks (and both secrets during a rotation); attempts listed
// with what the receiver answered; an endpoint failing past the disable period disabled, saying why.

let stack: TestStack;
let sink: SmtpSink;
let receiver: WebhookReceiver;
let client: ApiClient;
let endpoint: { id: string; secret: string };
const greylisted = new Set<string>();

beforeAll(async () => {
  stack = await startTestStack();
  sink = await startSmtpSink({
    rcpt: (address) => (address.startsWith('refused') ? { code: 550, message: 'no such user' } : undefined),
    data: (message) => {
      if (message.to.includes('bounce@example.com')) return { code: 554, message: 'rejected as spam' };
      // The first DATA of a greylisted email is deferred; the retry is accepted.
      if (message.to.includes('greylist@example.com') && !greylisted.has(message.messageId)) {
        greylisted.add(message.messageId);
        return { code: 451, message: 'greylisted, try again later' };
      }
      return undefined;
    },
  });
  receiver = await startWebhookReceiver({
    respond: (request) => {
      if (request.path === '/hook/dead') return { status: 503, body: 'down for maintenance' };
      // The first POST of each event to /hook/flaky fails with a long body; its retry succeeds.
      if (request.path === '/hook/flaky') {
        const earlier = receiver.received.filter((r) => r.path === request.path && r.headers['webhook-id'] === request.headers['webhook-id']);
        return earlier.length === 1 ? { status: 500, body: `error ${'e'.repeat(3000)}` } : { status: 204 };
      }
      return undefined;
    },
  });
  // Short enough to reach within the test: an endpoint failing for 1.8 s is disabled.
  await stack.startWorker(sink.url, { WEBHOOK_DISABLE_AFTER_HOURS: '0.0005', RETRY_BASE_SECONDS: '1' });
  client = await stack.tenant();
  endpoint = (await client.request('POST', '/v1/webhooks', { url: receiver.url, events: EVENT_TYPES })).body;
});
afterAll(async () => {
  await stack?.close();
  await sink?.close();
  await receiver?.close();
});

const later = () => new Date(Date.now() + 3_600_000).toISOString();
const bodyOf = (request: ReceivedWebhook) => JSON.parse(request.body) as { type: string; timestamp: string; data: { id: string; emailId: string; sequence: number; type: string } };
const toMain = () => receiver.received.filter((r) => r.path === '/hook');

async function eventsOf(emailId: string): Promise<{ id: string; type: string; sequence: number }[]> {
  return [...(await client.request('GET', `/v1/events?emailId=${emailId}`)).body.data].reverse();
}

/** Waits until the receiver has `count` events of this email, then returns them in sequence order. */
async function receivedFor(emailId: string, count: number) {
  const mine = () => toMain().filter((r) => bodyOf(r).data.emailId === emailId);
  await waitFor(`${count} events of email ${emailId} at the receiver`, () => mine().length >= count, 30_000);
  return mine()
    .map(bodyOf)
    .sort((a, b) => a.data.sequence - b.data.sequence);
}

test('every transition produces exactly one event of the right type at the receiver, in per-email sequence order', async () => {
  const send = (to: string[], sendAt?: string) => client.request('POST', '/v1/emails', { from: 'a@acme.test', to, text: 'x', ...(sendAt ? { sendAt } : {}) });
  const edited = (await send(['ann@example.com'], later())).body.id as string;
  await client.request('PATCH', `/v1/emails/${edited}`, { subject: 'changed' });
  await client.request('POST', `/v1/emails/${edited}/cancel`);
  const partly = (await send(['ok@example.com', 'refused@example.com'])).body.id as string;
  const delayed = (await send(['greylist@example.com'])).body.id as string;
  const bounced = (await send(['bounce@example.com'])).body.id as string;

  const expected: [string, string[]][] = [
    [edited, ['email.scheduled', 'email.updated', 'email.canceled']],
    [partly, ['email.scheduled', 'email.sent', 'email.recipient_rejected']],
    [delayed, ['email.scheduled', 'email.delivery_delayed', 'email.sent']],
    [bounced, ['email.scheduled', 'email.failed', 'email.recipient_rejected']],
  ];
  for (const [emailId, types] of expected) {
    const got = await receivedFor(emailId, types.length);
    expect([emailId, got.map((e) => [e.data.sequence, e.type])]).toEqual([emailId, types.map((type, i) => [i + 1, type])]);
    // The same events, by id, as GET /v1/events has them; the envelope's type and time are the event's.
    expect(got.map((e) => e.data)).toEqual(await eventsOf(emailId));
    for (const e of got) expect(e).toMatchObject({ type: e.data.type, timestamp: (e.data as unknown as { createdAt: string }).createdAt });
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const ids = toMain().map((r) => r.headers['webhook-id']);
  expect(ids.length).toBe(new Set(ids).size); // exactly one POST per event: nothing failed, nothing twice
  expect(toMain().every((r) => r.headers['webhook-id'] === bodyOf(r).data.id)).toBe(true);
  const failed = (await eventsOf(bounced)).find((e) => e.type === 'email.failed') as unknown as { data: { reason: string } };
  expect(failed.data.reason).toBe('smtp_rejected');
});

test('signatures verify with standardwebhooks; a tampered body, another secret or an old timestamp fails', async () => {
  await waitFor('a webhook at the receiver', () => toMain().length > 0);
  const message = toMain()[0]!;
  const headers = { 'webhook-id': message.headers['webhook-id']!, 'webhook-timestamp': message.headers['webhook-timestamp']!, 'webhook-signature': message.headers['webhook-signature']! };
  const verifier = new Webhook(endpoint.secret);
  expect(verifier.verify(message.body, headers)).toEqual(JSON.parse(message.body));
  expect(() => verifier.verify(message.body.replace('"email.', '"emaiI.'), headers)).toThrow(/signature/i);
  expect(() => new Webhook('whsec_' + Buffer.alloc(24, 7).toString('base64')).verify(message.body, headers)).toThrow(/signature/i);
  // The same genuine message replayed ten minutes later: too old (Standard Webhooks' tolerance is 5 minutes).
  const now = Date.now();
  const clock = jest.spyOn(Date, 'now').mockReturnValue(now + 10 * 60_000);
  try {
    expect(() => verifier.verify(message.body, headers)).toThrow(/too old/i);
  } finally {
    clock.mockRestore();
  }
});

test('after a rotation every message carries both signatures: the old secret and the new one each verify it during the grace', async () => {
  const rotated = (await client.request('POST', `/v1/webhooks/${endpoint.id}/rotate-secret`)).body;
  const created = await client.request('POST', '/v1/emails', { from: 'a@acme.test', to: ['rot@example.com'], text: 'x', sendAt: later() });
  const [event] = await receivedFor(created.body.id, 1);
  const message = toMain().find((r) => r.headers['webhook-id'] === event!.data.id)!;
  expect(message.headers['webhook-signature']!.split(' ')).toHaveLength(2);
  for (const secret of [rotated.secret, endpoint.secret]) expect(new Webhook(secret).verify(message.body, message.headers)).toBeTruthy();
  endpoint = { ...endpoint, secret: rotated.secret };
});

test('attempts are listed newest first with status code, duration and the first 1 KiB of the body', async () => {
  const { body: flaky } = await client.request('POST', '/v1/webhooks', { url: `${receiver.url}/flaky`, events: ['email.scheduled'] });
  const created = await client.request('POST', '/v1/emails', { from: 'a@acme.test', to: ['flaky@example.com'], text: 'x', sendAt: later() });
  const [event] = await eventsOf(created.body.id);
  const page = await waitFor('two attempts listed', async () => {
    const listed = await client.request('GET', `/v1/webhooks/${flaky.id}/attempts`);
    return listed.body.data.length === 2 && listed.body.data[0].finishedAt ? listed.body : null;
  });
  expect(page.data).toEqual([
    expect.objectContaining({ eventId: event!.id, eventType: 'email.scheduled', attempt: 2, statusCode: 204, responseBody: '', outcome: 'delivered', error: null }),
    expect.objectContaining({ eventId: event!.id, attempt: 1, statusCode: 500, outcome: 'retry_scheduled', responseBody: `error ${'e'.repeat(1018)}` }),
  ]);
  for (const attempt of page.data) expect(attempt.durationMs).toEqual(expect.any(Number));
  expect(page.nextCursor).toBeNull();
  const first = await client.request('GET', `/v1/webhooks/${flaky.id}/attempts?limit=1`);
  const second = await client.request('GET', `/v1/webhooks/${flaky.id}/attempts?limit=1&cursor=${first.body.nextCursor}`);
  expect([...first.body.data, ...second.body.data]).toEqual(page.data);
});

test('an endpoint failing longer than the disable period, with no success since, is disabled and says why', async () => {
  const { body: dead } = await client.request('POST', '/v1/webhooks', { url: `${receiver.url}/dead`, events: ['email.scheduled'] });
  await client.request('POST', '/v1/emails', { from: 'a@acme.test', to: ['dead@example.com'], text: 'x', sendAt: later() });
  const disabled = await waitFor('the endpoint to be disabled', async () => {
    const got = await client.request('GET', `/v1/webhooks/${dead.id}`);
    return got.body.enabled === false ? got.body : null;
  });
  expect(disabled).toMatchObject({
    disabledAt: expect.any(String),
    failingSince: expect.any(String),
    disabledReason: expect.stringMatching(/^no successful delivery since \S+Z \(failing longer than 0.0005 h\); last failure: HTTP 503$/),
  });
  // Nothing more is POSTed to it; its attempts say what happened.
  const posts = receiver.received.filter((r) => r.path === '/hook/dead').length;
  await new Promise((resolve) => setTimeout(resolve, 2500));
  expect(receiver.received.filter((r) => r.path === '/hook/dead').length).toBe(posts);
  const attempts = (await client.request('GET', `/v1/webhooks/${dead.id}/attempts`)).body.data;
  expect(attempts.every((a: { statusCode: number }) => a.statusCode === 503)).toBe(true);
});
