import { startSmtpSink, waitFor, type ApiClient, type SmtpSink } from '@postdate/test-support';
import { startTestStack, type TestStack } from '../support';

// The suppression list: filled by a relay's permanent refusals (in the transaction that records them),
// added to and removed from through the API, and checked when a worker claims an email — not only when it
// was scheduled.

let stack: TestStack;
let sink: SmtpSink;
const rcptSeen: string[] = [];

beforeAll(async () => {
  stack = await startTestStack();
  sink = await startSmtpSink({
    rcpt(address) {
      rcptSeen.push(address);
      if (address.startsWith('gone')) return { code: 550, message: '5.1.1 mailbox does not exist' };
      if (address.startsWith('later')) return { code: 450, message: '4.2.0 try later' };
      return undefined;
    },
    // Refused at DATA, for the whole message: attributable to a recipient only when there is one.
    data: (message) => (message.to.some((a) => a.startsWith('datagone')) ? { code: 550, message: '5.1.1 recipient unknown' } : undefined),
  });
  await stack.startWorker(sink.url, { MAX_ATTEMPTS: '2', RETRY_BASE_SECONDS: '1', RETRY_MAX_SECONDS: '1' });
});
afterAll(async () => {
  await stack?.close();
  await sink?.close();
});

async function settled(client: ApiClient, id: string) {
  return waitFor(`email ${id} to settle`, async () => {
    const got = await client.request('GET', `/v1/emails/${id}`);
    return ['sent', 'failed'].includes(got.body.status) ? got.body : null;
  }, 30_000);
}

async function send(client: ApiClient, to: string[], sendAt?: Date) {
  const created = await client.request('POST', '/v1/emails', { from: 'a@acme.test', to, text: 'x', ...(sendAt ? { sendAt: sendAt.toISOString() } : {}) });
  expect(created.status).toBe(201);
  return created.body;
}

const receivedBy = (messageId: string) => sink.accepted.filter((m) => m.messageId === messageId).flatMap((m) => m.to).sort();
const statuses = (email: { recipients: { address: string; status: string }[] }) => Object.fromEntries(email.recipients.map((r) => [r.address, r.status]));

test('a 550 for one of three suppresses that one only; the next email to it and two others goes to the two', async () => {
  const client = await stack.tenant();
  const first = await settled(client, (await send(client, ['gone-1@example.com', 'ok-1@example.com', 'ok-2@example.com'])).id);
  expect(statuses(first)).toEqual({ 'gone-1@example.com': 'rejected', 'ok-1@example.com': 'sent', 'ok-2@example.com': 'sent' });
  const list = await client.request('GET', '/v1/suppressions');
  expect(list.body.data).toEqual([expect.objectContaining({ address: 'gone-1@example.com', reason: 'hard_bounce', source: expect.stringMatching(/550/) })]);

  const created = await send(client, ['GONE-1@example.com', 'ok-3@example.com', 'ok-4@example.com']);
  // The answer says which recipients are on the list; the email is accepted all the same.
  expect(created.recipients.map((r: { address: string; suppressed: boolean }) => [r.address, r.suppressed])).toEqual([
    ['GONE-1@example.com', true],
    ['ok-3@example.com', false],
    ['ok-4@example.com', false],
  ]);
  const second = await settled(client, created.id);
  expect(statuses(second)).toEqual({ 'GONE-1@example.com': 'suppressed', 'ok-3@example.com': 'sent', 'ok-4@example.com': 'sent' });
  expect(receivedBy(second.messageId)).toEqual(['ok-3@example.com', 'ok-4@example.com']);
  const events = (await client.request('GET', `/v1/events?emailId=${created.id}`)).body.data.map((e: { type: string }) => e.type);
  expect(events).toContain('email.recipient_suppressed');
});

test('an address suppressed while its email waits is skipped at the claim; every recipient suppressed: failed, no SMTP at all', async () => {
  const client = await stack.tenant();
  const soon = new Date(Date.now() + 3_000);
  const mixed = await send(client, ['late-suppressed@example.com', 'kept@example.com'], soon);
  const alone = await send(client, ['only-one@example.com'], soon);
  for (const address of ['late-suppressed@example.com', 'only-one@example.com']) {
    expect((await client.request('POST', '/v1/suppressions', { address, reason: 'complaint' })).status).toBe(201);
  }
  const sentMixed = await settled(client, mixed.id);
  expect(statuses(sentMixed)).toEqual({ 'late-suppressed@example.com': 'suppressed', 'kept@example.com': 'sent' });
  expect(receivedBy(sentMixed.messageId)).toEqual(['kept@example.com']);
  const failed = await settled(client, alone.id);
  expect(failed).toMatchObject({ status: 'failed', failureReason: 'suppressed' });
  expect(rcptSeen).not.toContain('only-one@example.com');
  expect(sink.received.some((m) => m.messageId === failed.messageId)).toBe(false);
});

test('taken off the list through the API, an address is sent to again; an expired manual entry no longer applies', async () => {
  const client = await stack.tenant();
  await client.request('POST', '/v1/suppressions', { address: 'back@example.com', reason: 'manual' });
  expect((await client.request('DELETE', '/v1/suppressions/back%40example.com')).status).toBe(204);
  expect((await client.request('DELETE', '/v1/suppressions/back%40example.com')).status).toBe(404);
  const restored = await settled(client, (await send(client, ['back@example.com'])).id);
  expect(restored.status).toBe('sent');

  const expiring = await client.request('POST', '/v1/suppressions', { address: 'brief@example.com', reason: 'manual', expiresAt: new Date(Date.now() + 1_500).toISOString() });
  expect(expiring.status).toBe(201);
  await new Promise((resolve) => setTimeout(resolve, 1_600));
  expect((await settled(client, (await send(client, ['brief@example.com'])).id)).status).toBe('sent');
  expect((await client.request('POST', '/v1/suppressions', { address: 'x@example.com', reason: 'complaint', expiresAt: new Date(Date.now() + 60_000).toISOString() })).status).toBe(400);
});

test("another tenant's list never applies; a temporary refusal never suppresses", async () => {
  const owner = await stack.tenant();
  const other = await stack.tenant();
  await owner.request('POST', '/v1/suppressions', { address: 'shared@example.com' });
  expect((await settled(other, (await send(other, ['shared@example.com'])).id)).status).toBe('sent');
  expect((await other.request('GET', '/v1/suppressions')).body.data).toEqual([]);
  expect((await other.request('DELETE', '/v1/suppressions/shared%40example.com')).status).toBe(404);

  const greylisted = await settled(other, (await send(other, ['later-1@example.com'])).id);
  expect(greylisted).toMatchObject({ status: 'failed', failureReason: 'retries_exhausted' });
  expect((await other.request('GET', '/v1/suppressions')).body.data).toEqual([]);
});

test('a refusal at DATA suppresses the recipient when it is the only one, and nobody when there are several', async () => {
  const client = await stack.tenant();
  const single = await settled(client, (await send(client, ['datagone-1@example.com'])).id);
  expect(single).toMatchObject({ status: 'failed', failureReason: 'smtp_rejected' });
  expect(single.recipients[0]).toMatchObject({ status: 'rejected', refusal: 'permanent' });
  const several = await settled(client, (await send(client, ['datagone-2@example.com', 'bystander@example.com'])).id);
  expect(several.status).toBe('failed');
  const listed = (await client.request('GET', '/v1/suppressions')).body.data.map((e: { address: string }) => e.address);
  expect(listed).toEqual(['datagone-1@example.com']);
});
