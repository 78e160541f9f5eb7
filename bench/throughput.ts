import { phaseSizeFromEnv, withDeliveryBench } from './support/delivery-bench';
import { emitResult, envInt, progress, runBenchmark } from './support/report';
import { ROUNDS, ratioSpread } from './support/rounds';
import { runPhaseRounds, summarisePhase } from './delivery-phases/phase-rounds';
import { deliveryPhases, envList, type PhaseResult } from './delivery-phases/registry';

// bench:throughput — N due emails, K sending processes, emails/s from first to last SMTP acceptance at a
// counting sink in its own process, and the machine's CPU per email by component, for postdate and its
// baselines in the same run, ROUNDS times in rotated order (bench/delivery-phases/):
//   ceiling   nodemailer straight into the sink, for reference;
//   postdate  the worker app;
//   poller    the Zulip-style poller at each of POLLER_LOOPS loops per process (best one compared);
//   plain     a plain BullMQ + Prisma worker (no lock, no fence, no batching), same queue and jobs;
//   floor     postdate's protocol, batched the same way, through node-postgres instead of Prisma.
//   postdate-cluster  the worker app on a private three-master Redis Cluster (REDIS_CLUSTER_NODES).
// BENCH_PROFILE=1 profiles postdate's worker 0 (in the first round; by default PHASES=postdate, ROUNDS=1).
// REDIS_CLUSTER=1 compares postdate on one Redis server and on a Redis Cluster, in the same run
// (by default PHASES=postdate,postdate-cluster); the cluster is started whenever postdate-cluster runs.

const PROFILE = process.env.BENCH_PROFILE === '1';
const SIZE = phaseSizeFromEnv(5000);
// 0: the sink answers at once (the setting). A real relay takes tens of ms per message.
const SMTP_LATENCY_MS = envInt('SMTP_LATENCY_MS', 0);
const CLUSTER_RUN = process.env.REDIS_CLUSTER === '1';
const PHASES = envList('PHASES', PROFILE ? 'postdate' : CLUSTER_RUN ? 'postdate,postdate-cluster' : 'ceiling,postdate,poller,plain,floor');
const POLLER_LOOPS = envList('POLLER_LOOPS', '1,4,10,20').map(Number);
const RUN_ROUNDS = PROFILE && !process.env.ROUNDS ? 1 : ROUNDS;

/** The best poller: the loop count with the highest median rate. */
function bestPoller(results: Map<string, PhaseResult[]>): string | undefined {
  const pollers = [...results.keys()].filter((name) => name.startsWith('poller-'));
  const medianRate = (name: string) => summarisePhase(results.get(name)!).emailsPerSecond.median;
  return pollers.sort((a, b) => medianRate(b) - medianRate(a))[0];
}

/** postdate's rate over each baseline's, round by round, with the targets (postdate ÷ baseline ≥ target). */
function ratios(results: Map<string, PhaseResult[]>) {
  const rates = (name: string | undefined) => (name ? results.get(name)?.map((r) => r.emailsPerSecond) : undefined);
  const postdate = rates('postdate');
  const onCluster = rates('postdate-cluster');
  const against = (name: string | undefined, target?: number) => {
    const baseline = rates(name);
    if (!postdate || !baseline) return undefined;
    const r = ratioSpread(postdate, baseline);
    return { baseline: name, ...r, ...(target === undefined ? {} : { target, met: r.median >= target }) };
  };
  return {
    toBestPoller: against(bestPoller(results), 1.5),
    toPlainBullmqPrisma: against('plain', 1.2),
    toDurableFloor: against('floor', 0.8),
    toSmtpCeiling: against('ceiling'),
    clusterToSingleRedis: onCluster && postdate ? ratioSpread(onCluster, postdate) : undefined,
  };
}

async function main() {
  const phases = deliveryPhases(PHASES, POLLER_LOOPS, PROFILE);
  progress(
    `throughput: N=${SIZE.emails} emails × ${SIZE.recipients} recipients, K=${SIZE.workers} processes, ${RUN_ROUNDS} round(s) of ` +
      `${phases.map((p) => p.name).join(', ')}${PROFILE ? '; profiling worker 0' : ''}`,
  );
  await withDeliveryBench(
    'tp',
    async (bench) => {
      const results = await runPhaseRounds(bench, SIZE, phases, RUN_ROUNDS);
      const summaries = Object.fromEntries([...results].map(([name, runs]) => [name, summarisePhase(runs)]));
      for (const [name, s] of Object.entries(summaries)) {
        const e = s.emailsPerSecond;
        progress(`${name}: ${e.median} emails/s [${e.min}–${e.max}]; machine CPU ${s.cpuMsPerEmail.machine} ms/email`);
      }
      emitResult('throughput', {
        emails: SIZE.emails,
        recipients: SIZE.recipients,
        processes: SIZE.workers,
        rounds: RUN_ROUNDS,
        workerConcurrency: envInt('WORKER_CONCURRENCY', 20),
        smtpPoolSize: envInt('SMTP_POOL_SIZE', 5),
        databasePoolSize: envInt('DATABASE_POOL_SIZE', 10),
        pollerLoopsPerProcess: POLLER_LOOPS,
        smtpLatencyMs: SMTP_LATENCY_MS,
        redisCluster: PHASES.includes('postdate-cluster') ? '3 masters, no replicas, on this machine' : undefined,
        profiled: PROFILE,
        bestPoller: bestPoller(results),
        ratios: ratios(results),
        phases: summaries,
      });
    },
    SMTP_LATENCY_MS,
    { redisCluster: PHASES.includes('postdate-cluster') },
  );
}

runBenchmark(main);
