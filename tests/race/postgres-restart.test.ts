import { usePostgresOutageWorld } from '../support';

// Scenario 9: the Postgres server itself restarts mid-delivery (a private cluster of this test's own, stopped
// with clients connected and started again a second later), while the API and two worker processes run.
// Each DATA is answered after a short pause, so sends are in flight when the server goes away.
const outage = usePostgresOutageWorld({ name: 'Postgres restart scenario', leaseSeconds: 8, dataDelayMs: 20 });

outage.scenario('scenario 9: Postgres restarts mid-delivery → every email delivered, API and workers carry on, re-sends only of in-flight sends', async () => {
  const { ids, missing, duplicates } = await outage.deliverThroughRestart('c9', 1000);
  process.stdout.write(`scenario 9: ${ids.length} delivered, ${duplicates.length} re-sent after the restart\n${duplicates.join('\n')}\n`);
  expect(missing).toEqual([]);
  // A re-send happens only when a send's result could not be recorded while the server was down: at most
  // the sends in flight then, and each with the same Message-ID (the sink counts by it).
  expect(duplicates.length).toBeLessThanOrEqual(outage.inFlightAtMost);
});
