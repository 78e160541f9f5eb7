import { startSmtpSink, waitFor, workerVariables, type SmtpSink } from '@postdate/test-support';
import { startTestStack, startWorkerProcess, type TestStack, type WorkerProcess } from '../support';

// Toward the relay: a global send rate shared by every worker process (kept in Redis), and throttling
// replies (421/451/454 naming a rate limit) answered with a short shared pause, not with a spent attempt and
// a 30 s+ backoff.

let stack: TestStack;
let sink: SmtpSink;
let workers: WorkerProcess[] = [];
const throttledOnce = new Set<string>();

beforeAll(async () => {
  stack = await startTestStack();
  sink = await startSmtpSink({
    // Each "throttle-" email is refused once with SES's throttling reply, then accepted.
    data(message) {
      if (!message.to.some((a) => a.startsWith('throttle-')) || throttledOnce.has(message.messageId)) return undefined;
      throttledOnce.add(message.messageId);
      return { code: 454, message: '4.7.0 Throttling failure: Maximum sending rate exceeded.' };
    },
  });
  const variables = workerVariables(stack, sink.url, { SMTP_MAX_PER_SECOND: '20', MAX_ATTEMPTS: '1', RETRY_BASE_SECONDS: '30', WORKER_CONCURRENCY: '10' });
  workers = await Promise.all([1, 2].map(() => startWorkerProcess(variables)));
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGTERM')));
  await stack?.close();
  await sink?.close();
});

async function metric(worker: WorkerProcess, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${worker.probePort}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
}

test('SMTP_MAX_PER_SECOND holds across two worker processes', async () => {
  const client = await stack.tenant();
  const emails = Array.from({ length: 80 }, (_, i) => ({ from: 'a@acme.test', to: [`rate-${i}@example.com`], text: 'x' }));
  const created = await client.request('POST', '/v1/emails/batch', { emails });
  const ids = new Set((created.body.data as { id: string }[]).map((e) => `<postdate.${e.id}@postdate.test>`));
  await waitFor('all 80 at the sink', () => sink.accepted.filter((m) => ids.has(m.messageId)).length === 80, 60_000);
  const times = sink.accepted.filter((m) => ids.has(m.messageId)).map((m) => m.receivedAt.getTime()).sort((a, b) => a - b);
  // The most arrivals inside any one-second window. Sends start in slots 50 ms apart (the pacer), but the
  // relay counts arrivals: a send that opens a new pool connection waits for the greeting (smtp-server holds
  // it 100 ms, like postscreen), so while each worker's pool fills, one second may carry a few extra. Once
  // the pools are open (after the first second), the rate, with a fifth more for a busy machine's jitter
  // between a send's slot and the sink's clock (both processes share two cores with the rest of the suite).
  const busiest = (from: number) => Math.max(...times.filter((t) => t >= from).map((start) => times.filter((t) => t >= start && t < start + 1000).length));
  expect(busiest(times[0]! + 1000)).toBeLessThanOrEqual(24);
  expect(busiest(times[0]!)).toBeLessThanOrEqual(30);
  expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(2500);
  const attempts = await stack.db.deliveryAttempt.groupBy({ by: ['workerId'], where: { email: { tenantId: client.tenantId } } });
  expect(attempts.length).toBe(2);
});

test('a throttling reply pauses sending and sends the email again soon, without spending its attempt', async () => {
  const client = await stack.tenant();
  const before = (await Promise.all(workers.map((w) => metric(w, 'postdate_relay_throttled_total')))).reduce((a, b) => a + b, 0);
  const emails = Array.from({ length: 5 }, (_, i) => ({ from: 'a@acme.test', to: [`throttle-${i}@example.com`], text: 'x' }));
  const created = await client.request('POST', '/v1/emails/batch', { emails });
  const ids = (created.body.data as { id: string }[]).map((e) => e.id);
  // MAX_ATTEMPTS is 1 and the backoff 30 s: only an attempt that does not count, retried at once, gets there.
  await waitFor('every throttled email sent', async () => (await stack.db.scheduledEmail.count({ where: { tenantId: client.tenantId, status: 'sent' } })) === 5, 30_000);
  const rows = await stack.db.scheduledEmail.findMany({ where: { tenantId: client.tenantId }, select: { attempts: true, status: true } });
  expect(rows.every((r) => r.status === 'sent' && r.attempts === 2)).toBe(true);
  const after = (await Promise.all(workers.map((w) => metric(w, 'postdate_relay_throttled_total')))).reduce((a, b) => a + b, 0);
  expect(after - before).toBe(5);
  const delayed = await stack.db.event.findMany({ where: { emailId: { in: ids.map(BigInt) }, type: 'email.delivery_delayed' } });
  expect(delayed.map((e) => (e.data as { reason: string }).reason)).toEqual(Array(5).fill('relay_throttled'));
  const attemptOutcomes = await stack.db.deliveryAttempt.findMany({ where: { emailId: { in: ids.map(BigInt) } }, select: { outcome: true } });
  expect(attemptOutcomes.filter((a) => a.outcome === 'throttled')).toHaveLength(5);
});
