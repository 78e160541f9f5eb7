import { privatePostgresUnavailable, startPostgresServer, startRedisServer, waitFor, type PostgresServer, type RedisServer } from '@postdate/test-support';
import { raceScale, startRaceWorld, type RaceWorld } from './race-world';

/** What became of a batch of emails delivered while the Postgres server went away and came back. */
export interface OutageOutcome {
  ids: string[];
  /** Emails the sink never received. */
  missing: string[];
  /** One line per email received more than once: when each copy arrived, and its attempts. */
  duplicates: string[];
}

/**
 * The Postgres-outage race scenarios' world: a Postgres server and a Redis of the test file's own (so the
 * scenario can stop the server), an in-process API and two worker processes of `concurrency` each, and a
 * sink that answers each DATA after `dataDelayMs`, so sends are in flight when the server goes away.
 * Registers its own beforeAll/afterAll. Outside CI, where no private server can be started, `scenario` is
 * `test.skip` (with a warning naming `name`); in CI it never skips.
 */
export function usePostgresOutageWorld(options: { name: string; leaseSeconds: number; dataDelayMs: number }) {
  const workers = 2;
  const concurrency = 10;
  const unavailable = privatePostgresUnavailable();
  const skip = Boolean(unavailable) && process.env.CI !== 'true';
  if (skip) console.warn(`${options.name} skipped: ${unavailable}`);

  let postgres: PostgresServer;
  let redis: RedisServer;
  let world: RaceWorld;
  const fast = { LEASE_SECONDS: String(options.leaseSeconds), SMTP_TIMEOUT_MS: '2000', SWEEP_INTERVAL_MS: '500', SWEEP_GRACE_MS: '1500' };

  beforeAll(async () => {
    if (skip) return;
    postgres = await startPostgresServer();
    redis = await startRedisServer();
    world = await startRaceWorld({
      workers,
      redisUrl: redis.url,
      adminDatabaseUrl: postgres.adminUrl,
      workerOverrides: { ...fast, WORKER_CONCURRENCY: String(concurrency) },
      sink: { data: () => new Promise((resolve) => setTimeout(() => resolve(undefined), options.dataDelayMs)) },
    });
  }, 120_000);
  afterAll(async () => {
    await world?.close();
    await redis?.stop();
    redis?.client.disconnect();
    await postgres?.close();
  });

  return {
    scenario: skip ? test.skip : test,
    /** The most sends in flight at once: what a restart may leave unrecorded. */
    inFlightAtMost: workers * concurrency,
    /**
     * Schedules 150 × RACE_SCALE emails 2 s ahead, stops the server for `downMs` once ten are sent, then
     * checks the API creates again without a restart of its own, waits for every email to be recorded sent
     * and for every worker to be still up, and says what the sink received.
     */
    async deliverThroughRestart(tag: string, downMs: number): Promise<OutageOutcome> {
      const client = await world.stack.tenant();
      const count = 150 * raceScale;
      const sendAt = new Date(Date.now() + 2000).toISOString();
      const emails = Array.from({ length: count }, (_, i) => ({ from: 'a@acme.test', to: [`${tag}-${i}@example.com`], text: 'x', sendAt }));
      const created = await client.request('POST', '/v1/emails/batch', { emails });
      expect(created.status).toBe(201);
      const ids = (created.body.data as { id: string }[]).map((e) => e.id);

      await waitFor('deliveries to be under way', () => world.sink.accepted.length >= 10, 30_000);
      await postgres.restart(downMs);
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
      for (const worker of world.workers) expect(worker.child.exitCode).toBeNull();
      return { ids, missing, duplicates };
    },
  };
}
