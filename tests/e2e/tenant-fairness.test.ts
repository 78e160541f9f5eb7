import { startSmtpSink, waitFor, workerVariables, type SmtpSink } from '@postdate/test-support';
import { startTestStack, startWorkerProcess, type TestStack, type WorkerProcess } from '../support';

// One tenant's burst must not hold back another tenant's email for the whole burst: jobs due at once are
// interleaved by tenant (each ranked among its tenant's jobs due that minute), so the other tenant's email
// goes out right after it is due, not after the burst.

let stack: TestStack;
let sink: SmtpSink;
let worker: WorkerProcess;

beforeAll(async () => {
  stack = await startTestStack();
  sink = await startSmtpSink();
  // A relay rate that makes the burst take seconds to drain.
  worker = await startWorkerProcess(workerVariables(stack, sink.url, { SMTP_MAX_PER_SECOND: '40', WORKER_CONCURRENCY: '5' }));
});
afterAll(async () => {
  await worker?.kill('SIGTERM');
  await stack?.close();
  await sink?.close();
});

test("another tenant's emails due in the middle of a 300-email burst go out next, not after the burst", async () => {
  const burst = await stack.tenant();
  const other = await stack.tenant();
  const dueAt = new Date(Date.now() + 3_000);
  const emails = Array.from({ length: 300 }, (_, i) => ({ from: 'a@acme.test', to: [`burst-${i}@example.com`], text: 'x', sendAt: dueAt.toISOString() }));
  expect((await burst.request('POST', '/v1/emails/batch', { emails })).status).toBe(201);
  const otherDueAt = new Date(dueAt.getTime() + 1_500);
  const others = await Promise.all(
    [1, 2, 3].map(async (i) => (await other.request('POST', '/v1/emails', { from: 'b@other.test', to: [`other-${i}@example.com`], text: 'x', sendAt: otherDueAt.toISOString() })).body.id as string),
  );
  const otherIds = new Set(others.map((id) => `<postdate.${id}@postdate.test>`));
  await waitFor('the other tenant’s three emails', () => sink.accepted.filter((m) => otherIds.has(m.messageId)).length === 3, 60_000);
  const order = sink.accepted.map((m) => m.messageId);
  const positions = others.map((id) => order.indexOf(`<postdate.${id}@postdate.test>`));
  const burstSentBefore = sink.accepted.filter((m) => m.from === 'a@acme.test').length;
  process.stdout.write(`fairness: other tenant's emails at positions ${positions.join(', ')} of the burst's ${burstSentBefore} sent so far\n`);
  // At 40/s, the burst's first 1.5 s is about 60 sends; in arrival order the others would come after all 300.
  expect(Math.max(...positions)).toBeLessThan(150);
  await waitFor('the burst to drain', () => sink.accepted.length >= 303, 60_000);
}, 120_000);
