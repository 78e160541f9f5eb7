import { privatePostgresUnavailable, startPostgresServer, startRedisServer, waitFor, type PostgresServer, type RedisServer } from '@postdate/test-support';
import { raceScale, startRaceWorld, type RaceWorld } from '../support';

// Scenario 9: the Postgres server itself restarts mid-delivery (a private cluster of this test's own, stopped
// with clients connected and started again a second later), while the API and two worker processes run.
const unavailable = privatePostgresUnavailable();
const inCi = process.env.CI === 'true';
if (unavailable && !inCi) console.warn(`Postgres restart scenario skipped: ${unavailable}`);
const scenario = unavailable && !inCi ? test.skip : test;

let postgres: PostgresServer;
let redis: RedisServer;
let world: RaceWorld;
const fast = { LEASE_SECONDS: '8', SMTP_TIMEOUT_MS: '2000', SWEEP_INTERVAL_MS: '500', SWEEP_GRACE_MS: '1500' };
const workers = 2;
const concurrency = 10;

beforeAll(async () => {
  if (unavailable && !inCi) return;
  postgres = await startPostgresServer();
  redis = await startRedisServer();
  // Each DATA is answered after a short pause, so sends are in flight when the server goes away.
  world = await startRaceWorld({
    workers,
    redisUrl: redis.url,
    adminDatabaseUrl: postgres.adminUrl,
    workerOverrides: { ...fast, WORKER_CONCURRENCY: String(concurrency) },
    sink: { data: () => new Promise((resolve) => setTimeout(() => resolve(undefined), 20)) },
  });
}, 120_000);
afterAll(async () => {
  await world?.close();
  await redis?.stop();
  redis?.client.disconnect();
  await postgres?.close();
});

scenario('scenario 9: Postgres restarts mid-delivery → every email delivered, API and workers carry on, re-sends only of in-flight sends', async () => {
  const client = await world.stack.tenant();
  const count = 150 * raceScale;
  const sendAt = new Date(Date.now() + 2000).toISOString();
  const emails = Array.from({ length: count }, (_, i) => ({ from: 'a@acme.test', to: [`c9-${i}@example.com`], text: 'x', sendAt }));
  const created = await client.request('POST', '/v1/emails/batch', { emails });
  expect(created.status).toBe(201);
  const ids = (created.body.data as { id: string }[]).map((e) => e.id);

  await waitFor('deliveries to be under way', () => world.sink.accepted.length >= 10, 30_000);
  await postgres.restart(1000);
  const backAt = Date.now();

  // The API serves again without a restart of its own: a create right after the server is back.
  const after = await waitFor('the API to create again', async () => {
    const response = await client.request('POST', '/v1/emails', { from: 'a@acme.test', to: ['after@example.com'], text: 'x' });
    return response.status === 201 ? response : null;
  }, 30_000);
  ids.push(after.body.id as string);

  await waitFor('every email to be sent', async () => {
    const sent = await world.stack.db.scheduledEmail.count({ where: { tenantId: client.tenantId, status: 'sent' } });
    return sent === ids.length;
  }, 90_000);

  const missing: string[] = [];
  const duplicates: string[] = [];
  for (const id of ids) {
    const copies = world.sink.accepted.filter((m) => m.messageId === world.messageIdOf(id));
    if (copies.length === 0) missing.push(id);
    if (copies.length > 1) {
      const attempts = await world.stack.db.deliveryAttempt.findMany({ where: { emailId: BigInt(id) }, orderBy: { attempt: 'asc' } });
      duplicates.push(`email ${id}: copies at ${copies.map((c) => `${c.receivedAt.getTime() - backAt}ms`).join(', ')} from the restart's end; attempts ${JSON.stringify(attempts.map((a) => [a.workerId, a.outcome]))}`);
    }
  }
  process.stdout.write(`scenario 9: ${ids.length} delivered, ${duplicates.length} re-sent after the restart\n${duplicates.join('\n')}\n`);
  expect(missing).toEqual([]);
  // A re-send happens only when a send's result could not be recorded while the server was down: at most
  // the sends in flight then, and each with the same Message-ID (the sink counts by it).
  expect(duplicates.length).toBeLessThanOrEqual(workers * concurrency);
  for (const worker of world.workers) expect(worker.child.exitCode).toBeNull();
});
