import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { connectDatabase } from '@postdate/db/client';
import { createDeliveryQueue, createRedisConnection } from '@postdate/queue';
import { benchMessage, benchTenant } from './support/bench-emails';
import { startApiServer, startBareServer } from './support/api-servers';
import { cpuMs, machineBusyMs, rssMiB } from './support/processes';
import { emitResult, envInt, progress, ratio, resultsDir, round1, runBenchmark } from './support/report';
import { withBenchServices } from './support/services';

// bench:api — autocannon POST /v1/emails (5 recipients, due in 30 min so the enqueue happens) against the
// API process, and the same body against a bare node:http + node-postgres endpoint doing the same
// transaction; ROUNDS alternating rounds of DURATION seconds each after a warm-up, same run.

const CONNECTIONS = envInt('CONNECTIONS', 20);
const DURATION_S = envInt('DURATION_SECONDS', 12);
const WARMUP_S = envInt('WARMUP_SECONDS', 10);
const ROUNDS = envInt('ROUNDS', 2);
const PROFILE = process.env.BENCH_PROFILE === '1';
const profileDir = path.join(resultsDir, 'profiles', 'api');

function cannon(url: string, headers: Record<string, string>, body: string, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

// Postgres 15 backends report their commits to pg_stat_database at most once a second while busy, and
// only after 10 s once idle: wait that long after a round before reading, or part of one server's commits
// would be counted in the next round, the other server's.
const settleStats = () => new Promise((resolve) => setTimeout(resolve, 11_000));

/** One round against one server, with the CPU its process spent serving it and the commits it made. */
async function round(url: string, headers: Record<string, string>, body: string, pid: number, commits: () => Promise<number>) {
  const [cpuBefore, machineBefore, commitsBefore] = [cpuMs(pid), machineBusyMs(), await commits()];
  const result = await cannon(url, headers, body, DURATION_S);
  const [cpu, machine] = [cpuMs(pid) - cpuBefore, machineBusyMs() - machineBefore];
  await settleStats();
  return { result, cpuMs: cpu, machineMs: machine, commits: (await commits()) - commitsBefore };
}

type Round = Awaited<ReturnType<typeof round>>;

function summarise(rounds: Round[]) {
  const results = rounds.map((r) => r.result);
  const sum = (f: (r: autocannon.Result) => number) => results.reduce((s, r) => s + f(r), 0);
  const mean = (f: (r: autocannon.Result) => number) => round1(sum(f) / results.length);
  const requests = sum((r) => r.requests.total);
  const perRequest = (pick: (r: Round) => number, decimals: number) =>
    Math.round((rounds.reduce((s, r) => s + pick(r), 0) / requests) * 10 ** decimals) / 10 ** decimals;
  return {
    reqPerSec: mean((r) => r.requests.average),
    latencyMs: {
      p50: mean((r) => r.latency.p50),
      p99: mean((r) => r.latency.p99),
      max: Math.max(...results.map((r) => r.latency.max)),
    },
    perRound: results.map((r) => round1(r.requests.average)),
    requests,
    // The server process's own CPU per answered request: steadier than req/s on a shared machine.
    serverCpuMsPerRequest: perRequest((r) => r.cpuMs, 3),
    // The whole machine's busy CPU (server, Postgres, Redis, autocannon, kernel) per answered request: with
    // both cores saturated, this is what bounds req/s.
    machineCpuMsPerRequest: perRequest((r) => r.machineMs, 3),
    // Postgres transactions committed per answered request (every statement outside BEGIN is one).
    commitsPerRequest: perRequest((r) => r.commits, 2),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors + r.timeouts),
  };
}

async function main() {
  progress(`api: ${CONNECTIONS} connections, ${ROUNDS} × ${DURATION_S}s per side after ${WARMUP_S}s warm-up`);
  await withBenchServices('api', async ({ database, redis, defer }) => {
    const db = connectDatabase({ url: database.url, poolSize: 2 });
    defer(() => db.$disconnect());
    const { tenantId, apiKey } = await benchTenant(db);
    const [api, bare] = await Promise.all([
      startApiServer({ database, redis, defer }, PROFILE ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []),
      startBareServer({ database, defer }, tenantId),
    ]);

    const body = JSON.stringify(benchMessage(1, 5, new Date(Date.now() + 30 * 60_000)));
    const apiUrl = `${api.baseUrl}/v1/emails`;
    const bareUrl = `${bare.baseUrl}/v1/emails`;
    const auth = { authorization: `Bearer ${apiKey}` };
    const probe = await fetch(apiUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body });
    if (probe.status !== 201) throw new Error(`API answered ${probe.status}: ${await probe.text()}`);

    progress('warm-up');
    await cannon(apiUrl, auth, body, WARMUP_S);
    await cannon(bareUrl, {}, body, WARMUP_S);
    await settleStats();
    // Both servers write to the same database; rounds do not overlap, so each round's commits are its own.
    const commits = async () =>
      Number((await db.$queryRaw<{ n: bigint }[]>`SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()`)[0]!.n);
    const pd: Round[] = [];
    const base: Round[] = [];
    const rss: number[] = [];
    const window = { first: Date.now(), last: 0 };
    for (let n = 1; n <= ROUNDS; n++) {
      const sampler = setInterval(() => rss.push(rssMiB(api.process.pid)), 500);
      pd.push(await round(apiUrl, auth, body, api.process.pid, commits));
      window.last = Date.now();
      clearInterval(sampler);
      base.push(await round(bareUrl, {}, body, bare.process.pid, commits));
      const line = (r: Round) => {
        const s = summarise([r]);
        return `${s.reqPerSec} req/s, ${round1(s.serverCpuMsPerRequest * 1000)} µs server CPU, ${round1(s.machineCpuMsPerRequest * 1000)} µs machine CPU, ${s.commitsPerRequest} commits per request`;
      };
      progress(`round ${n}: postdate ${line(pd.at(-1)!)}; baseline ${line(base.at(-1)!)}`);
    }
    if (PROFILE) {
      mkdirSync(profileDir, { recursive: true });
      writeFileSync(path.join(profileDir, 'window.json'), JSON.stringify(window));
    }
    const postdate = summarise(pd);
    const baseline = summarise(base);

    const queue = createDeliveryQueue(createRedisConnection(redis.url, 'producer'), api.queuePrefix);
    const delayed = await queue.getDelayedCount();
    await queue.close();
    const created = await db.$queryRaw<
      { n: bigint }[]
    >`SELECT count(*) AS n FROM scheduled_email WHERE request_hash IS DISTINCT FROM 'bare-baseline'`;
    if (postdate.non2xx + baseline.non2xx > 0)
      progress(`WARNING: ${postdate.non2xx + baseline.non2xx} non-2xx answers: the req/s figures are not valid`);
    emitResult('api', {
      valid: postdate.non2xx + postdate.errors + baseline.non2xx + baseline.errors === 0,
      connections: CONNECTIONS,
      durationSeconds: DURATION_S,
      rounds: ROUNDS,
      recipients: 5,
      profiled: PROFILE,
      postdate: { ...postdate, rssMiBMax: round1(Math.max(...rss)) },
      bareBaseline: baseline,
      ratio: ratio(postdate.reqPerSec, baseline.reqPerSec),
      check: { postdateRows: Number(created[0]!.n), delayedJobs: delayed },
    });
  });
}

runBenchmark(main);
