import { Client } from 'pg';
import { phaseSizeFromEnv, withDeliveryBench } from './support/delivery-bench';
import { emitResult, envInt, progress, runBenchmark } from './support/report';
import { ROUNDS, ratioSpread, spread } from './support/rounds';
import { postdateWorkersPhase } from './delivery-phases/postdate-workers';
import { runPhaseRounds, summarisePhase } from './delivery-phases/phase-rounds';
import { envList, type DeliveryPhase, type PhaseResult } from './delivery-phases/registry';
import { bullmqNoopTimedLoadPhase } from './lateness-phases/bullmq-noop-timed-load';
import { postdateTimedLoadPhase } from './lateness-phases/postdate-timed-load';
import { leadMsFor, type TimedLoad } from './lateness-phases/timed-load';

// bench:lateness — EMAILS (100 000) due at one instant, K warm workers: the drain rate against postdate's
// steady throughput in the same run (STEADY_EMAILS due now on a paused queue, as bench:throughput measures
// it), lateness (SMTP acceptance − sendAt) p50/p99, Redis' peak memory while the jobs wait and drain; and
// the floor, BullMQ's own drain of as many delayed jobs into a no-op processor. ROUNDS times, rotated.
// PHASES (default steady,burst,floor) may add spread and spread-floor: SPREAD_EMAILS due evenly over
// SPREAD_SECONDS, the earlier round's load (p99 under 1 s).

const BURST = envInt('EMAILS', 100_000);
const SIZE = { ...phaseSizeFromEnv(BURST), timeoutMs: envInt('PHASE_TIMEOUT_SECONDS', Math.max(300, Math.ceil(BURST / 100))) * 1000 };
const STEADY = envInt('STEADY_EMAILS', 5000);
const SPREAD_EMAILS = envInt('SPREAD_EMAILS', 5000);
const SPREAD_S = envInt('SPREAD_SECONDS', 30);
const PHASES = envList('PHASES', 'steady,burst,floor');

function lateness(pg: Client): DeliveryPhase[] {
  const burst: TimedLoad = { emails: BURST, leadMs: leadMsFor(BURST), spreadMs: 0 };
  const spreadLoad: TimedLoad = { emails: SPREAD_EMAILS, leadMs: leadMsFor(SPREAD_EMAILS), spreadMs: SPREAD_S * 1000 };
  const all: Record<string, DeliveryPhase['run']> = {
    steady: (bench, size, label) => postdateWorkersPhase(bench, { ...size, emails: STEADY }, label),
    burst: (bench, size, label) => postdateTimedLoadPhase(bench, pg, size, burst, label),
    floor: (bench, size, label) => bullmqNoopTimedLoadPhase(bench, size, burst, label),
    spread: (bench, size, label) => postdateTimedLoadPhase(bench, pg, size, spreadLoad, label),
    'spread-floor': (bench, size, label) => bullmqNoopTimedLoadPhase(bench, size, spreadLoad, label),
  };
  return PHASES.map((name) => {
    if (!all[name]) throw new Error(`unknown phase '${name}' in PHASES; known: ${Object.keys(all).join(', ')}`);
    return { name, run: all[name] };
  });
}

interface TimedLoadResult {
  latenessMs: { p50: number; p99: number; max: number };
  redisMemory: { peakMiB: number; growthMiB: number };
}

/** A timed-load phase over its rounds: lateness and Redis' peak as medians with their spread. */
function timedLoadSummary(runs: PhaseResult[]) {
  const pick = (f: (r: TimedLoadResult) => number) => spread(runs.map((r) => f(r as unknown as TimedLoadResult)));
  return {
    ...summarisePhase(runs),
    latenessMs: { p50: pick((r) => r.latenessMs.p50), p99: pick((r) => r.latenessMs.p99), max: pick((r) => r.latenessMs.max) },
    redisPeakMiB: pick((r) => r.redisMemory.peakMiB),
    redisGrowthMiB: pick((r) => r.redisMemory.growthMiB),
  };
}

async function main() {
  progress(`lateness: ${BURST} emails due at one instant vs ${STEADY} steady, K=${SIZE.workers} workers; ${ROUNDS} round(s) of ${PHASES.join(', ')}`);
  await withDeliveryBench('late', async (bench) => {
    const pg = new Client({ connectionString: bench.databaseUrl });
    await pg.connect();
    bench.defer(() => pg.end());
    const results = await runPhaseRounds(bench, SIZE, lateness(pg), ROUNDS);
    const rates = (name: string) => results.get(name)?.map((r) => r.emailsPerSecond);
    const against = (name: string, baseline: string, target?: number) => {
      const [a, b] = [rates(name), rates(baseline)];
      if (!a || !b) return undefined;
      const r = ratioSpread(a, b);
      return { of: name, to: baseline, ...r, ...(target === undefined ? {} : { target, met: r.median >= target }) };
    };
    const summaries = Object.fromEntries([...results].map(([name, runs]) => [name, name === 'steady' ? summarisePhase(runs) : timedLoadSummary(runs)]));
    emitResult('lateness', {
      burstEmails: BURST,
      steadyEmails: STEADY,
      recipients: SIZE.recipients,
      processes: SIZE.workers,
      workerConcurrency: envInt('WORKER_CONCURRENCY', 20),
      rounds: ROUNDS,
      unit: 'ms',
      ratios: {
        burstDrainToSteady: against('burst', 'steady', 0.9),
        burstDrainToBullmqNoop: against('burst', 'floor'),
      },
      ...(results.has('spread') ? { spreadP99UnderOneSecond: timedLoadSummary(results.get('spread')!).latenessMs.p99.median < 1000 } : {}),
      phases: summaries,
    });
  });
}

runBenchmark(main);
