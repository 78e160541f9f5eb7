import { usePostgresOutageWorld } from '../support';

// Scenario 9b: the Postgres server stays down for 8 s mid-delivery (a failover, a slow restart): longer than
// a few quick retries, shorter than the lease. Sends that finished while it was down must be recorded when it
// comes back, not given up on: given up, their emails would stay 'sending' until the lease ran out, and the
// sweeper would send them a second time.
// The lease outlasts the outage: every in-flight send can still be recorded as its own when Postgres is back.
// A slow relay (300 ms per DATA): twenty sends are in flight when the server goes away.
const outage = usePostgresOutageWorld({ name: 'Postgres long-restart scenario', leaseSeconds: 30, dataDelayMs: 300 });
const DOWN_MS = 8_000;

outage.scenario('scenario 9b: Postgres down for 8 s mid-delivery → every email delivered exactly once', async () => {
  const { ids, missing, duplicates } = await outage.deliverThroughRestart('c9b', DOWN_MS);
  process.stdout.write(`scenario 9b: ${ids.length} delivered, ${duplicates.length} re-sent after the outage\n${duplicates.join('\n')}\n`);
  expect(missing).toEqual([]);
  expect(duplicates).toEqual([]);
});
