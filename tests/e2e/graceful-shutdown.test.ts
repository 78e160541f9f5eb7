import { request } from 'node:http';
import { startApi } from '@postdate/api/start';
import { createLogger } from '@postdate/observability';
import { apiConfig, sleep, startSmtpSink, waitFor, workerVariables, type SmtpSink } from '@postdate/test-support';
import { startWorkerProcess, startTestStack, type TestStack, type WorkerProcess } from '../support';

let stack: TestStack;
let sink: SmtpSink;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  stack = await startTestStack();
  // Every message is held at DATA for 1.5 s, so a SIGTERM reliably lands while sends are in flight.
  sink = await startSmtpSink({ data: () => sleep(1500).then(() => undefined) });
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGKILL')));
  await stack?.close();
  await sink?.close();
});

async function statuses(): Promise<Map<string, { status: string; attempts: number }>> {
  const rows = await stack.db.$queryRaw<{ id: bigint; status: string; attempts: number }[]>`
    SELECT id, status::text AS status, attempts FROM scheduled_email`;
  return new Map(rows.map((r) => [r.id.toString(), { status: r.status, attempts: r.attempts }]));
}

test('SIGTERM with sends in flight: they finish, the worker exits 0, and a new worker sends the rest once', async () => {
  const client = await stack.tenant();
  const ids: string[] = [];
  for (let i = 0; i < 10; i++) {
    const created = await client.request('POST', '/v1/emails', { from: 'ops@acme.test', to: [`user${i}@example.com`], subject: `n${i}`, text: 'x' });
    expect(created.status).toBe(201);
    ids.push(created.body.id);
  }
  const variables = workerVariables(stack, sink.url, { SHUTDOWN_GRACE_SECONDS: '10', LEASE_SECONDS: '30', WORKER_CONCURRENCY: '5' });
  const first = await startWorkerProcess(variables);
  workers.push(first);
  await waitFor('sends to be in flight', () => sink.received.length > 0);

  const claimedBeforeSigterm = [...(await statuses())].filter(([, row]) => row.attempts > 0).map(([id]) => id);
  const signaled = Date.now();
  expect(await first.kill('SIGTERM')).toBe(0);
  // Within the grace period (in-flight sends take 1.5 s), not by abandoning them when it ran out.
  expect(Date.now() - signaled).toBeLessThan(10_000);

  const afterFirst = await statuses();
  expect([...afterFirst.values()].filter((row) => row.status === 'sending')).toEqual([]);
  for (const id of claimedBeforeSigterm) expect([id, afterFirst.get(id)?.status]).toEqual([id, 'sent']);
  const sentByFirst = [...afterFirst.values()].filter((row) => row.status === 'sent').length;
  expect(sentByFirst).toBeGreaterThan(0);
  // It stopped taking jobs: no more than one batch (its concurrency) was sent.
  expect(sentByFirst).toBeLessThanOrEqual(5);
  expect(first.output()).toMatch(/"msg":"worker stopped"/);
  expect(first.output()).not.toMatch(/abandoning in-flight deliveries/);

  const second = await startWorkerProcess(variables);
  workers.push(second);
  await waitFor('every email to be sent', async () => [...(await statuses()).values()].every((row) => row.status === 'sent'), 30_000);
  const final = await statuses();
  for (const id of ids) expect([id, final.get(id)]).toEqual([id, { status: 'sent', attempts: 1 }]);
  // Exactly once at SMTP: every Message-ID received (accepted or not) once, one per email.
  expect(sink.received).toHaveLength(ids.length);
  expect([...sink.countByMessageId().values()]).toEqual(ids.map(() => 1));
  expect(await second.kill('SIGTERM')).toBe(0);
}, 120_000); // two worker processes start under tsx: slow on a loaded machine

test('api.stop() lets a request already in flight finish and refuses new connections meanwhile', async () => {
  const client = await stack.tenant();
  const api = await startApi(apiConfig(stack), createLogger({ level: 'silent', service: 'test' }));
  const body = JSON.stringify({ from: 'ops@acme.test', to: ['drain@example.com'], subject: 'drain', text: 'x' });
  const events: string[] = [];

  // Expect: 100-continue makes the server tell us when it has taken the request, before the body.
  const req = request({
    host: '127.0.0.1', port: api.port, method: 'POST', path: '/v1/emails',
    headers: { authorization: `Bearer ${client.key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), expect: '100-continue' },
  });
  const response = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => {
        events.push('response');
        resolve(res.statusCode ?? 0);
      });
    });
    req.on('error', reject);
  });
  await new Promise<void>((resolve) => req.once('continue', resolve));

  const stopping = Date.now();
  const stopped = api.stop().then(() => events.push('stopped'));
  await expect(fetch(`http://127.0.0.1:${api.port}/healthz`)).rejects.toThrow();
  req.end(body);
  expect(await response).toBe(201);
  await stopped;
  expect(events).toEqual(['response', 'stopped']);
  // Bounded by SHUTDOWN_GRACE_SECONDS (5 in tests), though not prompt: stop() leaves a keep-alive
  // connection that went idle during the drain open until the client or the grace timer closes it.
  expect(Date.now() - stopping).toBeLessThan(5000 + 1000);
});
