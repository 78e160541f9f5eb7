import { inTransaction } from '@postdate/db';
import {
  createEmailInputSchema, createEmails, createTenant, sweepDueEmails, type DeliveryPolicy, type DeliveryTarget, type SweepContext,
} from '@postdate/domain';
import {
  createDeliveryQueue, createRedisConnection, createSweepQueue, deliveryJobId, enqueueDeliveries, overdueCursorStore, reEnqueueDeliveries, type DeliveryQueue,
} from '@postdate/queue';
import { useTestDatabase } from '@postdate/db/testing';
import { redisUrl, uniqueQueuePrefix } from '@postdate/test-support';

// After a Redis flush every overdue email must get its job back in one sweep pass, however many there are:
// the pass pages through them (keyset on due_at, id), a page's jobs added before the next page is read.

const t = useTestDatabase({ poolSize: 4 });
const schema = createEmailInputSchema();
const policy: DeliveryPolicy = { leaseSeconds: 60, maxSendSeconds: 600, maxAttempts: 8, retryBaseSeconds: 1, retryMaxSeconds: 2, leaseRecovery: 'at-least-once' };
const BATCH = 5;
const connection = createRedisConnection(redisUrl(), 'worker');
let tenantId: bigint;

afterAll(() => connection.disconnect());
beforeAll(async () => {
  tenantId = (await createTenant(t.db, 'sweep-overdue')).tenantId;
});
beforeEach(() => t.db.$executeRaw`UPDATE scheduled_email SET status = 'canceled' WHERE status = 'scheduled'`);

/** `count` scheduled emails, made overdue by an hour and given no job: what a FLUSHALL leaves. */
async function overdueEmails(count: number, dueAt: (i: number) => string): Promise<DeliveryTarget[]> {
  const emails = Array.from({ length: count }, (_, i) => ({ input: schema.parse({ from: 'a@acme.test', to: [`u${i}@example.com`], text: 'x' }) }));
  const created = await inTransaction(t.db, (tx) => createEmails(tx, { tenantId, emails, now: new Date(), enqueueHorizonSeconds: 3600 }));
  const ids = created.created.map((c) => c.email.id);
  for (const [i, id] of ids.entries()) {
    await t.db.$executeRaw`UPDATE scheduled_email SET due_at = ${dueAt(i)}::timestamptz WHERE id = ${id}`;
  }
  const rows = await t.db.scheduledEmail.findMany({ where: { id: { in: ids } }, orderBy: [{ dueAt: 'asc' }, { id: 'asc' }] });
  return rows.map((r) => ({ emailId: r.id.toString(), createdAt: r.createdAt, tenantId: r.tenantId.toString(), version: r.version, attempts: r.attempts, dueAt: r.dueAt }));
}

function sweepContext(queue: DeliveryQueue, pages: string[][]): SweepContext {
  return {
    db: t.db,
    policy,
    horizonSeconds: 3600,
    graceMs: 1000,
    batchSize: BATCH,
    enqueue: (targets) => enqueueDeliveries(queue, targets),
    reEnqueue: async (targets) => {
      pages.push(targets.map((target) => target.emailId));
      return reEnqueueDeliveries(queue, targets);
    },
  };
}

/** Jobs ready to run: waiting, or prioritized (jobs due together are interleaved by tenant). */
async function ready(queue: DeliveryQueue): Promise<number> {
  const counts = await queue.getJobCounts('waiting', 'prioritized');
  return (counts.waiting ?? 0) + (counts.prioritized ?? 0);
}

const readyState = async (queue: DeliveryQueue, target: DeliveryTarget) => {
  const state = await queue.getJobState(deliveryJobId(target));
  return state === 'waiting' || state === 'prioritized' ? 'ready' : state;
};

async function withQueue(work: (queue: DeliveryQueue) => Promise<void>) {
  const queue = createDeliveryQueue(connection, uniqueQueuePrefix());
  try {
    await work(queue);
  } finally {
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

test('one pass gives every overdue email its job back, three pages of SWEEP_BATCH_SIZE in due order', () =>
  withQueue(async (queue) => {
    const overdue = await overdueEmails(3 * BATCH, (i) => new Date(Date.now() - 3_600_000 + i * 1000).toISOString());
    const pages: string[][] = [];
    const report = await sweepDueEmails(sweepContext(queue, pages));

    expect(report.reEnqueued).toBe(3 * BATCH);
    expect(pages).toEqual([0, 1, 2].map((p) => overdue.slice(p * BATCH, (p + 1) * BATCH).map((o) => o.emailId)));
    const states = await Promise.all(overdue.map((o) => readyState(queue, o)));
    expect(states).toEqual(Array(3 * BATCH).fill('ready'));
  }));

test('emails sharing one due time (a campaign) are paged by id, none twice and none left out', () =>
  withQueue(async (queue) => {
    const dueAt = new Date(Date.now() - 3_600_000).toISOString();
    const overdue = await overdueEmails(3 * BATCH + 2, () => dueAt);
    const pages: string[][] = [];
    const report = await sweepDueEmails(sweepContext(queue, pages));

    expect(report.reEnqueued).toBe(3 * BATCH + 2);
    expect(pages.map((p) => p.length)).toEqual([BATCH, BATCH, BATCH, 2]);
    expect(pages.flat()).toEqual(overdue.map((o) => o.emailId));
  }));

test('a second pass finds every job in place and adds none', () =>
  withQueue(async (queue) => {
    await overdueEmails(2 * BATCH, (i) => new Date(Date.now() - 3_600_000 + i).toISOString());
    expect((await sweepDueEmails(sweepContext(queue, []))).reEnqueued).toBe(2 * BATCH);
    const again = await sweepDueEmails(sweepContext(queue, []));
    expect(again).toMatchObject({ reEnqueued: 0, delayedRunNow: 0 });
    expect(await ready(queue)).toBe(2 * BATCH);
  }));

test('a row a worker holds locked is passed over, not waited for, and the pages after it are still read', () =>
  withQueue(async (queue) => {
    const overdue = await overdueEmails(2 * BATCH, (i) => new Date(Date.now() - 3_600_000 + i * 1000).toISOString());
    const held = BigInt(overdue[1]!.emailId);
    let release!: () => void;
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = t.db.$transaction(async (tx) => {
      // Holds the row as a claim in progress would.
      await tx.$queryRaw`SELECT id FROM scheduled_email WHERE id = ${held} FOR UPDATE`;
      locked();
      await new Promise<void>((resolve) => (release = resolve));
    });
    await isLocked;
    try {
      const pages: string[][] = [];
      const report = await sweepDueEmails(sweepContext(queue, pages));
      expect(report.reEnqueued).toBe(2 * BATCH - 1);
      expect(pages.flat()).toEqual(overdue.filter((o) => o.emailId !== held.toString()).map((o) => o.emailId));
    } finally {
      release();
      await holder;
    }
  }));

test('each job state is handled: missing and finished jobs are added again, delayed ones run now, live ones left', () =>
  withQueue(async (queue) => {
    const [missing, completed, failed, delayed, waiting] = await overdueEmails(5, (i) => new Date(Date.now() - 3_600_000 + i * 1000).toISOString());
    const data = (o: DeliveryTarget) => ({ emailId: o.emailId, tenantId: o.tenantId, version: o.version });
    for (const finished of [completed!, failed!]) await queue.add('deliver', data(finished), { jobId: deliveryJobId(finished) });
    await queue.add('deliver', data(delayed!), { jobId: deliveryJobId(delayed!), delay: 3_600_000 });
    await queue.add('deliver', data(waiting!), { jobId: deliveryJobId(waiting!) });
    // Finish two jobs the way a worker would, without running one: straight into the completed and failed sets.
    const client = connection;
    await client.zadd(queue.keys.completed!, Date.now(), deliveryJobId(completed!));
    await client.zadd(queue.keys.failed!, Date.now(), deliveryJobId(failed!));
    await client.lrem(queue.keys.wait!, 0, deliveryJobId(completed!));
    await client.lrem(queue.keys.wait!, 0, deliveryJobId(failed!));

    const report = await sweepDueEmails(sweepContext(queue, []));
    expect(report).toMatchObject({ reEnqueued: 3, delayedRunNow: 1 });
    for (const o of [missing!, completed!, failed!, delayed!, waiting!]) {
      expect([o.emailId, await readyState(queue, o)]).toEqual([o.emailId, 'ready']);
    }
    expect(await ready(queue)).toBe(5);
  }));

test('a pass out of time budget stops after its page; the next resumes there, and the one after the end starts again', () =>
  withQueue(async (queue) => {
    const overdue = await overdueEmails(2 * BATCH + 1, (i) => new Date(Date.now() - 3_600_000 + i * 1000).toISOString());
    // The worker's store: the place is kept in Redis beside the sweep queue.
    const sweepQueue = createSweepQueue(connection, queue.opts.prefix!);
    const pages: string[][] = [];
    const ctx: SweepContext = { ...sweepContext(queue, pages), overdueBudgetMs: 0, overdueCursor: overdueCursorStore(sweepQueue) };
    try {
      for (let pass = 0; pass < 4; pass++) await sweepDueEmails(ctx);
      const ids = overdue.map((o) => o.emailId);
      expect(pages).toEqual([ids.slice(0, BATCH), ids.slice(BATCH, 2 * BATCH), ids.slice(2 * BATCH), ids.slice(0, BATCH)]);
      expect(await ready(queue)).toBe(2 * BATCH + 1);
      expect(await overdueCursorStore(sweepQueue).load()).toEqual({ dueAt: overdue[BATCH - 1]!.dueAt, id: BigInt(overdue[BATCH - 1]!.emailId) });
    } finally {
      await sweepQueue.obliterate({ force: true });
      await sweepQueue.close();
    }
  }));
