import { benchTenant, seedEmails } from '../support/bench-emails';
import { cpuPerEmail } from '../support/cpu-meter';
import { deliveryRate, statusesOf, type DeliveryBench, type PhaseSize } from '../support/delivery-bench';
import { nextMessage, spawnTs } from '../support/processes';
import { progress } from '../support/report';

/**
 * The Zulip-style poller (bench/baselines/zulip-poller.ts): K processes × `loops` loops, each a connection
 * that locks the next due row, sends, marks it sent and commits, holding the lock across SMTP. The emails
 * are created due now (through createEmails, as for every phase) before the processes start; every loop's
 * connection is open before the clock starts.
 */
export async function zulipPollerPhase(bench: DeliveryBench, size: PhaseSize, label: string, loops: number) {
  const { sink, db } = bench;
  await sink.reset();
  const { tenantId } = await benchTenant(db, `${label}-${Date.now()}`);
  await seedEmails(db, tenantId, size.emails, { recipients: size.recipients, sendAtOf: () => new Date() });
  progress(`${label}: ${size.emails} emails due; starting ${size.workers} processes × ${loops} loop(s)`);
  const pollers = Array.from({ length: size.workers }, () =>
    spawnTs('bench/baselines/zulip-poller.ts', { DATABASE_URL: bench.databaseUrl, SMTP_URL: sink.url, LOOPS: String(loops) }),
  );
  try {
    await Promise.all(pollers.map((p) => nextMessage(p, 'ready')));
    const meter = bench.meter(pollers.map((p) => p.pid));
    for (const p of pollers) p.child.send({ type: 'go' });
    await sink.waitForCount(size.emails, size.timeoutMs, (c) => progress(`${label}: ${c}/${size.emails}`));
    const cpu = meter.stop();
    const done = pollers.map((p) => nextMessage(p, 'done'));
    for (const p of pollers) p.child.send({ type: 'stop' });
    await Promise.all(done);
    return { loopsPerProcess: loops, ...deliveryRate(await sink.stats()), cpuMsPerEmail: cpuPerEmail(cpu, size.emails), rows: await statusesOf(db, tenantId) };
  } finally {
    await Promise.all(pollers.map((p) => p.stop()));
  }
}
