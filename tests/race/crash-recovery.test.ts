import { Client } from 'pg';
import { adminDatabaseUrl } from '@postdate/db/testing';
import { startRedisServer, waitFor, workerVariables, type RedisServer } from '@postdate/test-support';
import { raceScale, startRaceWorld, startWorkerProcess, type RaceWorld } from '../support';

// Scenario 7: a worker SIGKILLed mid-run, then Redis flushed, then every Postgres connection cut
// (what a Postgres restart does to its clients; scenario 9 restarts a real server).
let redis: RedisServer;
let world: RaceWorld;
const fast = { LEASE_SECONDS: '8', SMTP_TIMEOUT_MS: '2000', SWEEP_INTERVAL_MS: '500', SWEEP_GRACE_MS: '1500' };

beforeAll(async () => {
  redis = await startRedisServer();
  // Each DATA is answered after a short pause, so sends are in flight when the worker dies.
  world = await startRaceWorld({ workers: 3, redisUrl: redis.url, workerOverrides: fast, sink: { data: () => new Promise((resolve) => setTimeout(() => resolve(undefined), 20)) } });
}, 120_000);
afterAll(async () => {
  await world?.close();
  await redis?.stop();
  redis?.client.disconnect();
});

async function cutDatabaseConnections(database: string) {
  const admin = new Client({ connectionString: adminDatabaseUrl() });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
    return rowCount ?? 0;
  } finally {
    await admin.end();
  }
}

test('scenario 7: SIGKILL, FLUSHALL and cut database connections → every accepted email delivered; duplicates only of sends already accepted, with the same Message-ID', async () => {
  const client = await world.stack.tenant();
  const count = 150 * raceScale;
  const sendAt = new Date(Date.now() + 3000);
  const emails = Array.from({ length: count }, (_, i) => ({ from: 'a@acme.test', to: [`c7-${i}@example.com`], text: 'x', sendAt: sendAt.toISOString() }));
  const created = await client.request('POST', '/v1/emails/batch', { emails });
  expect(created.status).toBe(201);
  const ids = (created.body.data as { id: string }[]).map((e) => e.id);

  await waitFor('deliveries to be under way', () => world.sink.accepted.length >= 10, 30_000);
  const killedAt = Date.now();
  expect(await world.workers[0]!.kill('SIGKILL')).toBe('SIGKILL');
  await redis.client.flushall();
  expect(await cutDatabaseConnections(world.stack.database.name)).toBeGreaterThan(0);
  world.workers.push(await startWorkerProcess(workerVariables(world.stack, world.sink.url, fast)));

  await waitFor('every email to be sent', async () => {
    const sent = await world.stack.db.scheduledEmail.count({ where: { tenantId: client.tenantId, status: 'sent' } });
    return sent === count;
  }, 90_000);

  // Every accepted email arrived; a duplicate is only ever the re-send of a message accepted before the
  // crash. Violations are collected with each email's attempt log, so a failure says what happened.
  const missing: string[] = [];
  const lateDuplicates: string[] = [];
  const duplicates: string[] = [];
  for (const id of ids) {
    const copies = world.sink.accepted.filter((m) => m.messageId === world.messageIdOf(id));
    if (copies.length === 0) missing.push(id);
    if (copies.length <= 1) continue;
    duplicates.push(id);
    const attempts = await world.stack.db.deliveryAttempt.findMany({ where: { emailId: BigInt(id) }, orderBy: { attempt: 'asc' } });
    const detail = `email ${id}: copies at ${copies.map((c) => `+${c.receivedAt.getTime() - killedAt}ms`).join(', ')} after the kill; attempts ${JSON.stringify(
      attempts.map((a) => ({ worker: a.workerId, outcome: a.outcome, started: a.startedAt.getTime() - killedAt, finished: a.finishedAt ? a.finishedAt.getTime() - killedAt : null })),
    )}`;
    if (process.env.RACE_DEBUG) process.stdout.write(`${detail}\n`);
    if (copies[0]!.receivedAt.getTime() > killedAt + 1000) lateDuplicates.push(detail);
  }
  process.stdout.write(`scenario 7: ${count} delivered, ${duplicates.length} re-sent after the crash\n`);
  expect(missing).toEqual([]);
  expect(lateDuplicates).toEqual([]);
  // At most the killed worker's in-flight sends (its concurrency); cut connections alone cause none.
  expect(duplicates.length).toBeLessThanOrEqual(10);
  // The surviving workers lived through the cut connections (a failure shows how each one ended).
  const exited = world.workers.slice(1).filter((w) => w.child.exitCode !== null);
  expect(exited.map((w) => `exit ${w.child.exitCode}:\n${w.output().slice(-4000)}`)).toEqual([]);
});
