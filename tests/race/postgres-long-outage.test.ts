import { privatePostgresUnavailable, startPostgresServer, startRedisServer, waitFor, type PostgresServer, type RedisServer } from '@postdate/test-support';
import { raceScale, startRaceWorld, type RaceWorld } from '../support';

// Scenario 9b: the Postgres server stays down for 8 s mid-delivery (a failover, a slow restart): longer than
// a few quick retries, shorter than the lease. Sends that finished while it was down must be recorded when it
// comes back, not given up on: given up, their emails would stay 'sending' until the lease ran out, and the
// sweeper would send them a second time.
const unavailable = privatePostgresUnavailable();
const inCi = process.env.CI === 'true';
if (unavailable && !inCi) console.warn(`Postgres long-restart scenario skipped: ${unavailable}`);
const scenario = unavailable && !inCi ? test.skip : test;

let postgres: PostgresServer;
let redis: RedisServer;
let world: RaceWorld;
// The lease outlasts the outage: every in-flight send can still be recorded as its own when Postgres is back.
const fast = { LEASE_SECONDS: '30', SMTP_TIMEOUT_MS: '2000', SWEEP_INTERVAL_MS: '500', SWEEP_GRACE_MS: '1500' };
const DOWN_MS = 8_000;
const workers = 2;
const concurrency = 10;

beforeAll(async () => {
  if (unavailable && !inCi) return;
  postgres = await startPostgresServer();
  redis = await startRedisServer();
  world = await startRaceWorld({
    workers,
    redisUrl: redis.url,
    adminDatabaseUrl: postgres.adminUrl,
    workerOverrides: { ...fast, WORKER_CONCURRENCY: String(concurrency) },
    // A slow relay (300 ms per DATA): twenty sends are in flight when the server goes away.
    sink: { data: () => new Promise((resolve) => setTimeout(() => resolve(undefined), 300)) },
  });
}, 120_000);
afterAll(async () => {
  await world?.close();
  await redis?.stop();
  redis?.client.disconnect();
  await postgres?.close();
});

scenario('scenario 9b: Postgres down for 8 s mid-delivery → every email delivered exactly once', async () => {
  const client = await world.stack.tenant();
  const count = 150 * raceScale;
  const sendAt = new Date(Date.now() + 2000).toISOString();
  const emails = Array.from({ length: count }, (_, i) => ({ from: 'a@acme.test', to: [`c9b-${i}@example.com`], text: 'x', sendAt }));
  const created = await client.request('POST', '/v1/emails/batch', { emails });
  expect(created.status).toBe(201);
  const ids = (created.body.data as { id: string }[]).map((e) => e.id);

  await waitFor('deliveries to be under way', () => world.sink.accepted.length >= 10, 30_000);
  await postgres.restart(DOWN_MS);
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
  process.stdout.write(`scenario 9b: ${ids.length} delivered, ${duplicates.length} re-sent after the outage\n${duplicates.join('\n')}\n`);
  expect(missing).toEqual([]);
  expect(duplicates).toEqual([]);
  for (const worker of world.workers) expect(worker.child.exitCode).toBeNull();
});
