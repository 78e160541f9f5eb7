import { startSmtpSink, waitFor, type ApiClient, type SmtpSink } from '@postdate/test-support';
import { startTestStack, type TestStack } from '../support';

let stack: TestStack;
let sink: SmtpSink;
const rcptAttempts = new Map<string, number>();
const dataAttempts = new Map<string, number>();
const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1).get(key)!;
let heldLifted = false;

beforeAll(async () => {
  stack = await startTestStack();
  sink = await startSmtpSink({
    rcpt(address) {
      const n = bump(rcptAttempts, address);
      if (address.startsWith('bounce')) return { code: 550, message: '5.1.1 mailbox does not exist' };
      if (address.startsWith('greylist') && n <= 2) return { code: 451, message: '4.7.1 greylisted, try later' };
      if (address.startsWith('busy')) return { code: 452, message: '4.2.2 mailbox full' };
      // Greylisted until the test lifts it: outlasts the attempt cap.
      if (address.startsWith('held') && !heldLifted) return { code: 450, message: '4.2.0 greylisted, try much later' };
      return undefined;
    },
    data(message) {
      bump(dataAttempts, message.messageId);
      return undefined;
    },
  });
  await stack.startWorker(sink.url, { MAX_ATTEMPTS: '3', RETRY_BASE_SECONDS: '1', RETRY_MAX_SECONDS: '1' });
});
afterAll(async () => {
  await stack?.close();
  await sink?.close();
});

async function settled(client: ApiClient, id: string, what: string) {
  return waitFor(`email ${what} to settle`, async () => {
    const got = await client.request('GET', `/v1/emails/${id}`);
    return ['sent', 'failed'].includes(got.body.status) ? got.body : null;
  }, 30_000);
}

async function sendNow(to: string[]) {
  const client = await stack.tenant();
  const created = await client.request('POST', '/v1/emails', { from: 'a@acme.test', to, subject: 's', text: 'x' });
  expect(created.status).toBe(201);
  return settled(client, created.body.id, `to ${to.join(',')}`);
}

test('a 5xx for every recipient fails the email at once, with the reason, and it is never retried', async () => {
  const email = await sendNow(['bounce-1@example.com']);
  expect(email).toMatchObject({ status: 'failed', failureReason: 'smtp_rejected', attempts: 1 });
  expect(email.lastError).toMatch(/550/);
  expect(email.recipients[0]).toMatchObject({ status: 'rejected', smtpResponse: expect.stringMatching(/550/) });
  await new Promise((resolve) => setTimeout(resolve, 2500));
  expect(rcptAttempts.get('bounce-1@example.com')).toBe(1);
});

test('a 4xx is retried with backoff until the server accepts; the message then reaches SMTP once', async () => {
  const email = await sendNow(['greylist-1@example.com']);
  expect(email).toMatchObject({ status: 'sent', attempts: 3 });
  expect(rcptAttempts.get('greylist-1@example.com')).toBe(3);
  expect(dataAttempts.get(email.messageId)).toBe(1);
  const attempts = await stack.db.deliveryAttempt.findMany({ where: { emailId: BigInt(email.id) }, orderBy: { attempt: 'asc' } });
  expect(attempts.map((a) => a.outcome)).toEqual(['transient_failure', 'transient_failure', 'sent']);
  // Backoff: each retry started at least a second after the previous attempt ended.
  for (let i = 1; i < attempts.length; i++) {
    expect(attempts[i]!.startedAt.getTime() - attempts[i - 1]!.finishedAt!.getTime()).toBeGreaterThanOrEqual(700);
  }
});

test('a 4xx that never clears fails after the attempt cap', async () => {
  const email = await sendNow(['busy-1@example.com']);
  expect(email).toMatchObject({ status: 'failed', failureReason: 'retries_exhausted', attempts: 3 });
  expect(rcptAttempts.get('busy-1@example.com')).toBe(3);
});

test('one rejected recipient among accepted ones: sent, with per-recipient results', async () => {
  const email = await sendNow(['ok-1@example.com', 'bounce-2@example.com']);
  expect(email.status).toBe('sent');
  const byAddress = Object.fromEntries(email.recipients.map((r: { address: string; status: string }) => [r.address, r.status]));
  expect(byAddress).toEqual({ 'ok-1@example.com': 'sent', 'bounce-2@example.com': 'rejected' });
  expect(sink.accepted.filter((m) => m.messageId === email.messageId)[0]!.to).toEqual(['ok-1@example.com']);
});

test('re-arming an email failed by a relay that refused for now sends to those recipients again, never to a permanent refusal', async () => {
  const client = await stack.tenant();
  const created = await client.request('POST', '/v1/emails', { from: 'a@acme.test', to: ['held-1@example.com', 'bounce-3@example.com'], subject: 's', text: 'x' });
  const failed = await settled(client, created.body.id, 'held past the attempt cap');
  expect(failed).toMatchObject({ status: 'failed', failureReason: 'retries_exhausted', attempts: 3 });
  const refusals = Object.fromEntries(failed.recipients.map((r: { address: string; status: string; refusal: string }) => [r.address, [r.status, r.refusal]]));
  expect(refusals).toEqual({ 'held-1@example.com': ['rejected', 'transient'], 'bounce-3@example.com': ['rejected', 'permanent'] });

  heldLifted = true;
  const rearmed = await client.request('PATCH', `/v1/emails/${created.body.id}`, { sendAt: new Date().toISOString() });
  expect(rearmed.status).toBe(200);
  // The answer says which refusals stay: the permanent one.
  const after = Object.fromEntries(rearmed.body.recipients.map((r: { address: string; status: string; refusal: string | null }) => [r.address, [r.status, r.refusal]]));
  expect(after).toEqual({ 'held-1@example.com': ['pending', null], 'bounce-3@example.com': ['rejected', 'permanent'] });

  const sent = await settled(client, created.body.id, 're-armed');
  expect(sent.status).toBe('sent');
  const copies = sink.accepted.filter((m) => m.messageId === sent.messageId);
  expect(copies.map((m) => m.to)).toEqual([['held-1@example.com']]);
  expect(rcptAttempts.get('bounce-3@example.com')).toBe(3);
});
