import path from 'node:path';
import { startSmtpSink, waitFor, workerVariables, type SmtpSink } from '@postdate/test-support';
import { startTestStack, startWorkerProcess, type TestStack, type WorkerProcess } from '../support';

// A worker whose clock runs 30 s ahead of the database's. Its delivery jobs look due to it early; the claim
// (which goes by the database's clock) answers "not yet, in so many ms", and the job must then wait that
// span by the worker's own clock — BullMQ's clock — not until the database's due instant, which the worker
// would see as past: the job would run again at once, and again, until the email really was due.

let stack: TestStack;
let sink: SmtpSink;
let worker: WorkerProcess;
const SKEW_MS = 30_000;

beforeAll(async () => {
  stack = await startTestStack();
  sink = await startSmtpSink();
  worker = await startWorkerProcess(
    workerVariables(stack, sink.url, { NODE_OPTIONS: `--require ${path.join(__dirname, '../support/skewed-clock.cjs')}`, CLOCK_SKEW_MS: String(SKEW_MS) }),
  );
});
afterAll(async () => {
  await worker?.kill('SIGTERM');
  await stack?.close();
  await sink?.close();
});

async function notDueRuns(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${worker.probePort}/metrics`)).text();
  return Number(/^postdate_deliveries_total\{outcome="not_due",reason=""\} (\d+)/m.exec(text)?.[1] ?? 0);
}

test('emails scheduled 6 s ahead are claimed a bounded number of times and sent on time, not spun on', async () => {
  const client = await stack.tenant();
  const sendAt = new Date(Date.now() + 6_000);
  const ids = await Promise.all(
    Array.from({ length: 5 }, async (_, i) => {
      const created = await client.request('POST', '/v1/emails', { from: 'a@acme.test', to: [`skew-${i}@example.com`], text: 'x', sendAt: sendAt.toISOString() });
      return created.body.id as string;
    }),
  );
  await waitFor('all five emails at the sink', () => ids.every((id) => sink.accepted.some((m) => m.messageId === `<postdate.${id}@postdate.test>`)), 30_000);
  const runs = await notDueRuns();
  process.stdout.write(`clock skew: ${runs} not-due runs for ${ids.length} emails\n`);
  expect(runs).toBeGreaterThan(0);
  expect(runs).toBeLessThanOrEqual(3 * ids.length);
  for (const message of sink.accepted.filter((m) => ids.some((id) => m.messageId === `<postdate.${id}@postdate.test>`))) {
    expect(message.receivedAt.getTime()).toBeGreaterThanOrEqual(sendAt.getTime());
    expect(message.receivedAt.getTime()).toBeLessThan(sendAt.getTime() + 5_000);
  }
});
