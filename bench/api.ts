import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { connectDatabase } from '@postdate/db/client';
import { createDeliveryQueue, createRedisConnection } from '@postdate/queue';
import { benchMessage, benchTenant } from './support/bench-emails';
import { startApiServer, startBareServer, startPlainExpressServer, type HttpServerProcess } from './support/api-servers';
import { cpuMs, machineBusyMs, rssMiB } from './support/processes';
import { emitResult, envInt, progress, resultsDir, round1, runBenchmark } from './support/report';
import { ROUNDS, ratioSpread, rotated, spread } from './support/rounds';
import { withBenchServices } from './support/services';

// bench:api — autocannon POST /v1/emails (5 recipients, due in 30 min so the enqueue happens) against the
// API process with every control on (auth, validation, rate limit, quota, idempotency, interactive
// transaction); the same body against a plain Express + zod + Prisma `$transaction` + `queue.add` endpoint
// (bench/baselines/plain-express-api.ts) and a bare node:http + node-postgres endpoint doing the same
// transaction; ROUNDS rounds (default 3) of DURATION seconds per server, in rotated order, after a warm-up.
// COMPARE_DIR=<another checkout> (npm ci done there) adds that checkout's API to the same rounds: a
// before/after of a change, measured side by side.

const CONNECTIONS = envInt('CONNECTIONS', 20);
const DURATION_S = envInt('DURATION_SECONDS', 12);
const WARMUP_S = envInt('WARMUP_SECONDS', 10);
const PROFILE = process.env.BENCH_PROFILE === '1';
const COMPARE_DIR = process.env.COMPARE_DIR;
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
    // Median of the rounds, with their spread and each round's figure.
    reqPerSec: spread(results.map((r) => round1(r.requests.average))),
    latencyMs: {
      p50: mean((r) => r.latency.p50),
      p99: mean((r) => r.latency.p99),
      max: Math.max(...results.map((r) => r.latency.max)),
    },
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
    const plainTenant = await benchTenant(db, 'plain');
    const [api, plain, bare, previous] = await Promise.all([
      startApiServer({ database, redis, defer }, PROFILE ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []),
      startPlainExpressServer({ database, redis, defer }, plainTenant.tenantId),
      startBareServer({ database, defer }, tenantId),
      COMPARE_DIR ? startApiServer({ database, redis, defer }, [], COMPARE_DIR) : undefined,
    ]);

    const body = JSON.stringify(benchMessage(1, 5, new Date(Date.now() + 30 * 60_000)));
    const auth = { authorization: `Bearer ${apiKey}` };
    const target = (name: string, server: HttpServerProcess, headers: Record<string, string>) => ({ name, url: `${server.baseUrl}/v1/emails`, headers, pid: server.process.pid });
    const servers = [
      target('postdate', api, auth),
      target('plain', plain, {}),
      target('bare', bare, {}),
      ...(previous ? [target('compared', previous, auth)] : []),
    ];
    for (const server of servers) {
      const probe = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', ...server.headers }, body });
      if (probe.status !== 201) throw new Error(`${server.name} at ${server.url} answered ${probe.status}: ${await probe.text()}`);
    }

    progress('warm-up');
    for (const server of servers) await cannon(server.url, server.headers, body, WARMUP_S);
    await settleStats();
    // Every server writes to the same database; rounds do not overlap, so each round's commits are its own.
    const commits = async () =>
      Number((await db.$queryRaw<{ n: bigint }[]>`SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()`)[0]!.n);
    const rounds = new Map<string, Round[]>(servers.map((server) => [server.name, []]));
    const rss: number[] = [];
    const window = { first: Date.now(), last: 0 };
    const line = (r: Round) => {
      const s = summarise([r]);
      return `${s.reqPerSec.median} req/s, ${round1(s.serverCpuMsPerRequest * 1000)} µs server CPU, ${round1(s.machineCpuMsPerRequest * 1000)} µs machine CPU, ${s.commitsPerRequest} commits per request`;
    };
    for (let n = 0; n < ROUNDS; n++) {
      for (const server of rotated(servers, n)) {
        const sampler = server.name === 'postdate' ? setInterval(() => rss.push(rssMiB(api.process.pid)), 500) : undefined;
        rounds.get(server.name)!.push(await round(server.url, server.headers, body, server.pid, commits));
        clearInterval(sampler);
        if (server.name === 'postdate') window.last = Date.now();
        progress(`round ${n + 1}/${ROUNDS}, ${server.name}: ${line(rounds.get(server.name)!.at(-1)!)}`);
      }
    }
    if (PROFILE) {
      mkdirSync(profileDir, { recursive: true });
      writeFileSync(path.join(profileDir, 'window.json'), JSON.stringify(window));
    }
    const summaries = Object.fromEntries([...rounds].map(([name, runs]) => [name, summarise(runs)]));
    const rates = (name: string) => rounds.get(name)!.map((r) => r.result.requests.average);
    const against = (name: string, target?: number) => {
      const r = ratioSpread(rates('postdate'), rates(name));
      return { baseline: name, ...r, ...(target === undefined ? {} : { target, met: r.median >= target }) };
    };

    const delayedJobs = async (queuePrefix: string) => {
      const queue = createDeliveryQueue(createRedisConnection(redis.url, 'producer'), queuePrefix);
      const delayed = await queue.getDelayedCount();
      await queue.close();
      return delayed;
    };
    const rowsOf = async (tenant: bigint) =>
      Number((await db.$queryRaw<{ n: bigint }[]>`
        SELECT count(*) AS n FROM scheduled_email WHERE tenant_id = ${tenant} AND request_hash IS DISTINCT FROM 'bare-baseline'`)[0]!.n);
    const invalid = Object.values(summaries).reduce((n, s) => n + s.non2xx + s.errors, 0);
    if (invalid > 0) progress(`WARNING: ${invalid} non-2xx answers or errors: the req/s figures are not valid`);
    emitResult('api', {
      valid: invalid === 0,
      connections: CONNECTIONS,
      durationSeconds: DURATION_S,
      rounds: ROUNDS,
      recipients: 5,
      profiled: PROFILE,
      postdate: { ...summaries.postdate, rssMiBMax: round1(Math.max(...rss)) },
      plainExpressPrisma: summaries.plain,
      bareBaseline: summaries.bare,
      ratios: { toPlainExpressPrisma: against('plain', 1.5), toBare: against('bare', 0.6), ...(previous ? { toComparedCheckout: against('compared') } : {}) },
      ...(previous ? { comparedCheckout: { dir: COMPARE_DIR, ...summaries.compared } } : {}),
      check: {
        postdateRows: await rowsOf(tenantId),
        postdateDelayedJobs: await delayedJobs(api.queuePrefix),
        plainRows: await rowsOf(plainTenant.tenantId),
        plainDelayedJobs: await delayedJobs(plain.queuePrefix),
      },
    });
  });
}

runBenchmark(main);
