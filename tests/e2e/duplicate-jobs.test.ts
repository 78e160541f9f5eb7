import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { DELIVERY_QUEUE } from '@postdate/queue';
import { startSmtpSink, waitFor, workerVariables, type SmtpSink } from '@postdate/test-support';
import { startTestStack, startWorkerProcess, type TestStack, type WorkerProcess } from '../support';

let stack: TestStack;
let sink: SmtpSink;
let workers: WorkerProcess[] = [];
let redis: Redis;
let queue: Queue;

beforeAll(async () => {
  stack = await startTestStack();
  sink = await startSmtpSink();
  redis = new Redis(stack.redisUrl, { maxRetriesPerRequest: null });
  queue = new Queue(DELIVERY_QUEUE, { connection: redis, prefix: stack.queuePrefix });
  workers = await Promise.all([1, 2, 3].map(() => startWorkerProcess(workerVariables(stack, sink.url, { WORKER_CONCURRENCY: '10' }))));
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGTERM')));
  await queue?.close();
  redis?.disconnect();
  await stack?.close();
  await sink?.close();
});

test('the same delivery added 10 times, under 10 distinct job ids, across 3 worker processes reaches SMTP once per email', async () => {
  const client = await stack.tenant();
  const sendAt = new Date(Date.now() + 2500);
  const emails = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      client.request('POST', '/v1/emails', { from: 'a@acme.test', to: [`r${i}@example.com`], text: 'x', sendAt: sendAt.toISOString() }),
    ),
  );
  expect(emails.every((e) => e.status === 201)).toBe(true);
  // Distinct ids defeat BullMQ's own dedupe, so only the claim in Postgres stands between us and duplicates.
  await queue.addBulk(
    emails.flatMap((e) =>
      Array.from({ length: 10 }, (_, copy) => ({
        name: 'deliver',
        data: { emailId: e.body.id, tenantId: client.tenantId.toString(), version: 1 },
        opts: { jobId: `dup-${e.body.id}-${copy}`, delay: Math.max(0, sendAt.getTime() - Date.now()) },
      })),
    ),
  );

  await waitFor('all 20 emails at the sink', () => sink.accepted.length >= 20, 30_000);
  await waitFor('every duplicate job to finish', async () => {
    const counts = await queue.getJobCounts('waiting', 'delayed', 'active');
    return (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.active ?? 0) === 0;
  }, 30_000);

  const perMessage = sink.countByMessageId();
  expect(perMessage.size).toBe(20);
  expect([...perMessage.values()].every((n) => n === 1)).toBe(true);
  const rows = await stack.db.scheduledEmail.findMany({ where: { tenantId: client.tenantId } });
  expect(rows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
  // Work really was spread: more than one process claimed emails.
  const attempts = await stack.db.deliveryAttempt.findMany({ select: { workerId: true } });
  expect(new Set(attempts.map((a) => a.workerId)).size).toBeGreaterThan(1);
});

test('a job for an outdated version or another tenant is a no-op', async () => {
  const client = await stack.tenant();
  const other = await stack.tenant();
  const created = await client.request('POST', '/v1/emails', { from: 'a@acme.test', to: ['solo@example.com'], text: 'x', sendAt: new Date(Date.now() + 60_000).toISOString() });
  const before = sink.received.length;
  await queue.add('deliver', { emailId: created.body.id, tenantId: client.tenantId.toString(), version: 7 }, { jobId: `stale-${created.body.id}` });
  await queue.add('deliver', { emailId: created.body.id, tenantId: other.tenantId.toString(), version: 1 }, { jobId: `foreign-${created.body.id}` });
  await waitFor('both jobs to complete', async () => {
    const states = await Promise.all([queue.getJobState(`stale-${created.body.id}`), queue.getJobState(`foreign-${created.body.id}`)]);
    return states.every((s) => s === 'completed');
  });
  expect(sink.received.length).toBe(before);
  const row = await stack.db.scheduledEmail.findUniqueOrThrow({ where: { id: BigInt(created.body.id) } });
  expect(row.status).toBe('scheduled');
  expect(row.attempts).toBe(0);
});

test('a job for an older version of a due email sends nothing, even with nothing else in the way', async () => {
  const client = await stack.tenant();
  // Beyond the enqueue horizon: no job of its own yet, so the one added by hand is the only one.
  const created = await client.request('POST', '/v1/emails', { from: 'a@acme.test', to: ['old-version@example.com'], text: 'x', sendAt: new Date(Date.now() + 3 * 3_600_000).toISOString() });
  const id = BigInt(created.body.id);
  // An edit to version 2 whose own job is not here yet; the email is due now.
  await stack.db.scheduledEmail.update({ where: { id }, data: { version: 2, dueAt: new Date(), sendAt: new Date(), queued: true } });
  const before = sink.received.length;
  const job = await queue.add('deliver', { emailId: created.body.id, tenantId: client.tenantId.toString(), version: 1 }, { jobId: `v1-of-due-${created.body.id}` });
  await waitFor('the version-1 job to complete', async () => (await queue.getJobState(job.id!)) === 'completed');
  expect((await queue.getJob(job.id!))?.returnvalue).toMatchObject({ outcome: 'skipped', reason: 'stale_version' });
  expect(sink.received.length).toBe(before);
  expect(await stack.db.scheduledEmail.findUniqueOrThrow({ where: { id }, select: { status: true, attempts: true } })).toEqual({ status: 'scheduled', attempts: 0 });
});

test('a job that fires before sendAt (added by hand, no delay) sends nothing early; the email goes once, on time', async () => {
  const client = await stack.tenant();
  const sendAt = new Date(Date.now() + 4_000);
  const created = await client.request('POST', '/v1/emails', { from: 'a@acme.test', to: ['early@example.com'], text: 'x', sendAt: sendAt.toISOString() });
  const job = await queue.add('deliver', { emailId: created.body.id, tenantId: client.tenantId.toString(), version: 1 }, { jobId: `early-${created.body.id}` });
  // The early job ran, found the email not due, and went back to wait in Redis.
  await waitFor('the early job to be put back to wait', async () => (await queue.getJobState(job.id!)) === 'delayed', 10_000);
  const messageId = `<postdate.${created.body.id}@postdate.test>`;
  expect(sink.received.filter((m) => m.messageId === messageId)).toEqual([]);
  await waitFor('the email at the sink', () => sink.accepted.some((m) => m.messageId === messageId), 20_000);
  const copies = sink.accepted.filter((m) => m.messageId === messageId);
  expect(copies).toHaveLength(1);
  expect(copies[0]!.receivedAt.getTime()).toBeGreaterThanOrEqual(sendAt.getTime());
});
