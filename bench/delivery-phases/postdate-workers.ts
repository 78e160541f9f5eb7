import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DeliveryBench, PhaseSize } from '../support/delivery-bench';
import { rssMiB, sampleRss, startWorkerProc, type WorkerProc } from '../support/processes';
import { percentiles, resultsDir, round1 } from '../support/report';
import { benchWorkerVariables } from '../support/worker-env';
import { runQueuedPhase } from './queued-delivery';

/** Where BENCH_PROFILE=1 puts worker 0's profile (and window.json, the delivery window, for profile-summary). */
export const workerProfileDir = path.join(resultsDir, 'profiles', 'worker');

/**
 * postdate: K processes of the real worker app (apps/worker/src/main.ts) with production timings. Also
 * reports their RSS (idle after start; p50 and max over the middle 80 % of the delivery window) and the
 * messages they logged at warn and above. `profile`: worker 0 runs under --cpu-prof. `onCluster`: the
 * queue and the workers on the bench's Redis Cluster (REDIS_CLUSTER_NODES naming every master).
 */
export function postdateWorkersPhase(bench: DeliveryBench, size: PhaseSize, label: string, profile = false, onCluster = false) {
  let idleRss: number[] = [];
  const cluster = onCluster ? bench.redisCluster : undefined;
  if (onCluster && !cluster) throw new Error(`${label}: this phase needs the bench's Redis Cluster (withDeliveryBench's redisCluster option)`);
  return runQueuedPhase<WorkerProc>(bench, size, label, {
    ...(cluster ? { redis: { nodes: cluster.ports.map((port) => ({ host: '127.0.0.1', port })), tls: false } } : {}),
    async start(queuePrefix) {
      const env = { databaseUrl: bench.databaseUrl, redisUrl: bench.redisUrl, queuePrefix, ...(cluster ? { redisClusterNodes: cluster.nodes } : {}) };
      const workers = await Promise.all(
        Array.from({ length: size.workers }, (_, i) =>
          startWorkerProc(
            benchWorkerVariables(env, bench.sink.url, { WORKER_ID: `${label}-${i}` }),
            // Default file names carry pid and thread id: tsx's loader thread writes a profile of its own.
            profile && i === 0 ? ['--cpu-prof', '--cpu-prof-dir', workerProfileDir] : [],
          ),
        ),
      );
      idleRss = workers.map((w) => round1(rssMiB(w.pid)));
      return workers;
    },
    watch(workers) {
      const rss = sampleRss(workers.map((w) => w.pid));
      return (stats) => {
        const samples = rss.stop();
        // Lets profile-summary keep only the samples taken while emails were being delivered.
        if (profile) {
          mkdirSync(workerProfileDir, { recursive: true });
          writeFileSync(path.join(workerProfileDir, 'window.json'), JSON.stringify({ first: stats.first, last: stats.last }));
        }
        const [first, last] = [stats.first!, stats.last!];
        const steady = samples.filter((s) => s.t >= first + 0.1 * (last - first) && s.t <= last - 0.1 * (last - first));
        const perWorker = workers.map((_, i) => percentiles(steady.map((s) => s.mib[i]!).filter((v) => Number.isFinite(v))));
        return { rssMiB: { idle: idleRss, steadyP50: perWorker.map((p) => p.p50), steadyMax: perWorker.map((p) => p.max) } };
      };
    },
    afterStop(workers) {
      const messages = new Map<string, number>();
      for (const line of workers.flatMap((w) => w.output().split('\n').filter((l) => l.startsWith('{')))) {
        let msg = line;
        try {
          msg = (JSON.parse(line) as { msg?: string }).msg ?? line;
        } catch {
          // Not a log record: counted as it is.
        }
        messages.set(msg, (messages.get(msg) ?? 0) + 1);
      }
      return { workerLogLines: Object.fromEntries(messages) };
    },
  });
}
