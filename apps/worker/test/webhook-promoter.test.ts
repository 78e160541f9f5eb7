import { createLogger } from '@postdate/observability';
import type { WebhookTarget } from '@postdate/domain';
import { startWebhookPromoter } from '../src/webhook-promoter';

// The promoter's timer: polls never overlap, a full batch is followed at once by the next poll, a failure
// streak is logged once, and stop() waits for the poll in progress.

const target = (n: number): WebhookTarget => ({ deliveryId: String(n), createdAt: new Date(0), attempts: 0 });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function recordingLog() {
  const lines: { level: string; msg: string }[] = [];
  const log = createLogger({ level: 'silent', service: 'test' });
  for (const level of ['info', 'warn'] as const) (log as unknown as Record<string, unknown>)[level] = (first: unknown, msg?: string) => lines.push({ level, msg: typeof first === 'string' ? first : msg! });
  return { log, lines };
}

test('a full batch is followed at once by another poll; a short one waits for the interval', async () => {
  const batches = [[target(1), target(2)], [target(3), target(4)], [target(5)]];
  const polledAt: number[] = [];
  const enqueued: WebhookTarget[][] = [];
  const promoter = startWebhookPromoter({
    promote: async () => {
      polledAt.push(Date.now());
      return batches.shift() ?? [];
    },
    enqueue: async (targets) => void enqueued.push(targets),
    intervalMs: 300,
    batchSize: 2,
    log: recordingLog().log,
  });
  await sleep(150);
  await promoter.stop();
  // Two full batches and the short one, back to back; the next poll would only come after 300 ms.
  expect(enqueued.map((b) => b.map((t) => t.deliveryId))).toEqual([['1', '2'], ['3', '4'], ['5']]);
  expect(polledAt).toHaveLength(3);
});

test('polls never overlap, and stop() waits for the one in progress', async () => {
  let running = 0;
  let overlapped = false;
  let finished = 0;
  const promoter = startWebhookPromoter({
    promote: async () => {
      overlapped ||= running > 0;
      running++;
      await sleep(60);
      running--;
      finished++;
      return [];
    },
    enqueue: async () => undefined,
    intervalMs: 10,
    batchSize: 100,
    log: recordingLog().log,
  });
  await sleep(200);
  await promoter.stop();
  const atStop = finished;
  await sleep(100);
  expect(overlapped).toBe(false);
  expect(running).toBe(0);
  expect(finished).toBe(atStop);
});

test('a failure streak is logged once, and its end once; polling goes on meanwhile', async () => {
  let calls = 0;
  const { log, lines } = recordingLog();
  const promoter = startWebhookPromoter({
    promote: async () => {
      calls++;
      if (calls <= 4) throw new Error('database unavailable');
      return [];
    },
    enqueue: async () => undefined,
    intervalMs: 10,
    batchSize: 100,
    log,
  });
  await sleep(150);
  await promoter.stop();
  expect(calls).toBeGreaterThan(5);
  expect(lines).toEqual([
    { level: 'warn', msg: 'webhook promotion failed; retrying every poll (logged once)' },
    { level: 'info', msg: 'webhook promotion works again' },
  ]);
});
