import { phaseSizeFromEnv, withDeliveryBench } from './support/delivery-bench';
import { emitResult, envInt, progress, runBenchmark } from './support/report';
import { ROUNDS } from './support/rounds';
import { runPhaseRounds, summarisePhase } from './delivery-phases/phase-rounds';
import { deliveryPhases, envList, type DeliveryPhase } from './delivery-phases/registry';

// bench:workers — the throughput phase with 1, 2 and 4 worker processes (WORKER_COUNTS) in one run, each
// count ROUNDS times, the counts interleaved in rotated order: emails/s and CPU per email by component
// (worker, postgres, postgresShared, redis, sink), the inputs of a scaling model. PHASES (default postdate)
// may add the baselines of bench:throughput (floor, plain…) at each count too.

const SIZE = phaseSizeFromEnv(5000);
const COUNTS = envList('WORKER_COUNTS', '1,2,4').map(Number);
const PHASES = envList('PHASES', 'postdate');

/** A phase at a fixed number of processes, named `<phase>@<count>`. */
function atCount(phase: DeliveryPhase, count: number): DeliveryPhase {
  return { name: `${phase.name}@${count}`, run: (bench, size, label, round) => phase.run(bench, { ...size, workers: count }, label, round) };
}

/**
 * For each component (worker processes, Postgres with its shared background processes, Redis, the sink), how
 * many emails/s one core of it could carry at this CPU per email (1000 ÷ ms): a projection from the
 * measured costs, not a measurement.
 */
function emailsPerCoreSecond(cpu: Record<string, number>): Record<string, number> {
  const components = { worker: cpu.worker, postgres: (cpu.postgres ?? 0) + (cpu.postgresShared ?? 0), redis: cpu.redis, sink: cpu.sink };
  return Object.fromEntries(
    Object.entries(components)
      .filter((entry): entry is [string, number] => entry[1] !== undefined && entry[1] > 0)
      .map(([name, ms]) => [name, Math.round(1000 / ms)]),
  );
}

async function main() {
  const phases = COUNTS.flatMap((count) => deliveryPhases(PHASES, envList('POLLER_LOOPS', '10').map(Number), false).map((p) => atCount(p, count)));
  progress(`workers: N=${SIZE.emails} emails × ${SIZE.recipients} recipients at ${COUNTS.join(', ')} processes, ${ROUNDS} round(s) of ${phases.map((p) => p.name).join(', ')}`);
  await withDeliveryBench('wk', async (bench) => {
    const results = await runPhaseRounds(bench, SIZE, phases, ROUNDS);
    const summaries = Object.fromEntries(
      [...results].map(([name, runs]) => {
        const s = summarisePhase(runs);
        return [name, { ...s, projectedEmailsPerCoreSecond: emailsPerCoreSecond(s.cpuMsPerEmail) }];
      }),
    );
    for (const [name, s] of Object.entries(summaries)) {
      const e = s.emailsPerSecond;
      progress(`${name}: ${e.median} emails/s [${e.min}–${e.max}]; CPU ms/email ${JSON.stringify(s.cpuMsPerEmail)}`);
    }
    emitResult('workers', {
      emails: SIZE.emails,
      recipients: SIZE.recipients,
      workerCounts: COUNTS,
      rounds: ROUNDS,
      workerConcurrency: envInt('WORKER_CONCURRENCY', 20),
      databasePoolSize: envInt('DATABASE_POOL_SIZE', 10),
      phases: summaries,
    });
  });
}

runBenchmark(main);
