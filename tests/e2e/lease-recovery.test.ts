import { sleep, startSmtpSink, waitFor, workerVariables, type ApiClient, type SmtpReply, type SmtpSink } from '@postdate/test-support';
import { startTestStack, startWorkerProcess, type TestStack } from '../support';

let stack: TestStack;
let sink: SmtpSink;
let releaseHeld: (reply: SmtpReply) => void = () => undefined;

beforeAll(async () => {
  stack = await startTestStack();
  // The first message is held at DATA, as if the SMTP conversation were slow; later ones are accepted.
  sink = await startSmtpSink({
    data: () =>
      sink.received.length === 1 ? new Promise<SmtpReply>((resolve) => (releaseHeld = resolve)) : undefined,
  });
});
afterAll(async () => {
  releaseHeld({ code: 451, message: 'test over' });
  await stack?.close();
  await sink?.close();
});

/** The email as the API shows it, once it has reached `status`. */
function emailOnceIt(status: 'sent' | 'failed', client: ApiClient, id: string, why = '') {
  return waitFor(`the email to be ${status} ${why}`.trim(), async () => {
    const got = await client.request('GET', `/v1/emails/${id}`);
    return got.body.status === status ? got.body : null;
  }, 30_000);
}

async function killMidSend(recovery: 'at-least-once' | 'at-most-once') {
  sink.received.length = 0;
  sink.accepted.length = 0;
  const client = await stack.tenant();
  const doomed = await startWorkerProcess(
    // Its own sweeper is slowed down so that only the survivor, started after the kill, recovers the lease.
    workerVariables(stack, sink.url, { LEASE_SECONDS: '3', SMTP_TIMEOUT_MS: '60000', LEASE_RECOVERY: recovery, SWEEP_INTERVAL_MS: '600000' }),
  );
  const created = await client.request('POST', '/v1/emails', { from: 'a@acme.test', to: ['kill@example.com'], text: 'x' });
  await waitFor('the send to be in flight', () => sink.received.length === 1);
  expect(await doomed.kill('SIGKILL')).toBe('SIGKILL');
  const row = await stack.db.scheduledEmail.findUniqueOrThrow({ where: { id: BigInt(created.body.id) } });
  expect(row.status).toBe('sending');
  const survivor = await stack.startWorker(sink.url, { LEASE_SECONDS: '3', LEASE_RECOVERY: recovery });
  return { client, id: created.body.id as string, survivor };
}

test('at-least-once: a worker killed mid-send loses its lease; the email is re-sent once, with the same Message-ID', async () => {
  const { client, id, survivor } = await killMidSend('at-least-once');
  const email = await emailOnceIt('sent', client, id, 'by the survivor');
  expect(email.attempts).toBe(2);
  expect(sink.received.map((m) => m.messageId)).toEqual([email.messageId, email.messageId]);
  expect(sink.accepted).toHaveLength(1);
  const attempts = await stack.db.deliveryAttempt.findMany({ where: { emailId: BigInt(id) }, orderBy: { attempt: 'asc' } });
  expect(attempts.map((a) => a.outcome)).toEqual(['lease_expired', 'sent']);
  await survivor.stop();
});

test('at-most-once: the crashed attempt is failed as outcome unknown and never re-sent', async () => {
  releaseHeld({ code: 451, message: 'next test' });
  const { client, id, survivor } = await killMidSend('at-most-once');
  const email = await emailOnceIt('failed', client, id);
  expect(email).toMatchObject({ failureReason: 'outcome_unknown', attempts: 1 });
  await sleep(1500);
  expect(sink.received).toHaveLength(1);
  await survivor.stop();
});

test('a live worker whose send outlasts its lease keeps renewing it: the email is sent once, and no sweeper takes it back', async () => {
  releaseHeld({ code: 451, message: 'next test' });
  sink.received.length = 0;
  sink.accepted.length = 0;
  const holdEveryMessage = sink.behaviour.data;
  // Each DATA is answered 250 only after 4 s, twice the lease; this worker's own sweeper runs every 500 ms.
  sink.behaviour.data = () => sleep(4_000).then(() => undefined);
  const slow = await stack.startWorker(sink.url, { LEASE_SECONDS: '2', SMTP_TIMEOUT_MS: '60000' });
  try {
    const client = await stack.tenant();
    const created = await client.request('POST', '/v1/emails', { from: 'a@acme.test', to: ['slow@example.com'], text: 'x' });
    const email = await emailOnceIt('sent', client, created.body.id);
    expect(email.attempts).toBe(1);
    await sleep(1_500);
    expect(sink.received.map((m) => m.messageId)).toEqual([email.messageId]);
    const attempts = await stack.db.deliveryAttempt.findMany({ where: { emailId: BigInt(created.body.id) } });
    expect(attempts.map((a) => a.outcome)).toEqual(['sent']);
  } finally {
    sink.behaviour.data = holdEveryMessage;
    await slow.stop();
  }
});

test('a send that never ends renews its lease only for MAX_SEND_SECONDS: then the lease runs out and the email is sent again, same Message-ID', async () => {
  sink.received.length = 0;
  sink.accepted.length = 0;
  const holdEveryMessage = sink.behaviour.data;
  let releaseHung: () => void = () => undefined;
  // The first DATA is never answered (a relay that hangs); later ones are accepted.
  sink.behaviour.data = () => (sink.received.length === 1 ? new Promise<undefined>((resolve) => (releaseHung = () => resolve(undefined))) : undefined);
  const worker = await stack.startWorker(sink.url, { LEASE_SECONDS: '2', MAX_SEND_SECONDS: '4', SMTP_TIMEOUT_MS: '60000' });
  try {
    const client = await stack.tenant();
    const created = await client.request('POST', '/v1/emails', { from: 'a@acme.test', to: ['hung@example.com'], text: 'x' });
    const leaseUntil = async () => (await stack.db.scheduledEmail.findUniqueOrThrow({ where: { id: BigInt(created.body.id) } })).leaseUntil;
    await waitFor('the send to hang', () => sink.received.length === 1);
    const claimed = (await leaseUntil())!;
    await waitFor('the hung send to renew its lease', async () => ((await leaseUntil())?.getTime() ?? 0) > claimed.getTime(), 5_000);
    const email = await emailOnceIt('sent', client, created.body.id, 'by a second attempt');
    expect(email.attempts).toBe(2);
    expect(sink.received.map((m) => m.messageId)).toEqual([email.messageId, email.messageId]);
    const attempts = await stack.db.deliveryAttempt.findMany({ where: { emailId: BigInt(created.body.id) }, orderBy: { attempt: 'asc' } });
    expect(attempts.map((a) => a.outcome)).toEqual(['lease_expired', 'sent']);
  } finally {
    releaseHung();
    sink.behaviour.data = holdEveryMessage;
    await worker.stop();
  }
});
