import path from 'node:path';
import autocannon from 'autocannon';
import { connectDatabase } from '@postdate/db/client';
import { benchMessage, benchTenant } from './support/bench-emails';
import { startApiServer, startBareServer, startProbeServers } from './support/api-servers';
import { cpuMs } from './support/processes';
import { emitResult, envInt, progress, resultsDir, round1, runBenchmark } from './support/report';
import { withBenchServices } from './support/services';

// bench:api-layers — where the API process's CPU per request goes. The same API process answers requests
// that stop at successive layers (a probe, a refused key, auth + rate limit, validation, a create without
// and with its enqueue) and the read endpoints; in the same run, the yardsticks: the bare node:http + pg
// create endpoint, and a probe answered by bare node:http and by a one-route Express app (the framework's
// own floor). Reported per kind: req/s and the serving process's CPU per answered request.

const CONNECTIONS = envInt('CONNECTIONS', 20);
const DURATION_S = envInt('DURATION_SECONDS', 8);
const WARMUP_S = envInt('WARMUP_SECONDS', 3);
const ROUNDS = envInt('ROUNDS', 2);
// BENCH_PROFILE=1 (best with KINDS=<one kind>): the API process runs under --cpu-prof; summarise the
// profile with `node --import tsx bench/profile-summary.ts bench/results/profiles/api-layers`.
const profileArgs = process.env.BENCH_PROFILE === '1' ? ['--cpu-prof', '--cpu-prof-dir', path.join(resultsDir, 'profiles', 'api-layers')] : [];

interface Kind {
  name: string;
  /** What a request of this kind does beyond the one before it. */
  adds: string;
  server: 'api' | 'bare' | 'node:http' | 'express';
  status: number;
  request: Omit<autocannon.Options, 'url'> & { path: string };
}

async function main() {
  progress(`api-layers: ${CONNECTIONS} connections, ${ROUNDS} × ${DURATION_S}s per kind after ${WARMUP_S}s warm-up each`);
  await withBenchServices('api-layers', async ({ database, redis, defer }) => {
    const db = connectDatabase({ url: database.url, poolSize: 2 });
    defer(() => db.$disconnect());
    const { tenantId, apiKey } = await benchTenant(db);
    const [api, bare, probes] = await Promise.all([
      startApiServer({ database, redis, defer }, profileArgs),
      startBareServer({ database, defer }, tenantId),
      startProbeServers({ defer }),
    ]);

    const json = { 'content-type': 'application/json' };
    const auth = { authorization: `Bearer ${apiKey}`, ...json };
    const inMinutes = (minutes: number) => new Date(Date.now() + minutes * 60_000);
    const create = JSON.stringify(benchMessage(1, 5, inMinutes(30)));
    // Due beyond the enqueue horizon (an hour): written, not yet enqueued — the sweeper promotes it later.
    const createLater = JSON.stringify(benchMessage(1, 5, inMinutes(180)));
    const invalid = JSON.stringify({ ...benchMessage(1, 5), subject: 42 });
    const seeded: string[] = [];
    for (let i = 0; i < 25; i++) {
      const response = await fetch(`${api.baseUrl}/v1/emails`, { method: 'POST', headers: auth, body: createLater });
      if (response.status !== 201) throw new Error(`seeding answered ${response.status}: ${await response.text()}`);
      seeded.push(((await response.json()) as { id: string }).id);
    }
    const kinds: Kind[] = [
      { name: 'node:http probe', adds: 'the floor: node:http answering a probe', server: 'node:http', status: 200, request: { path: '/healthz' } },
      { name: 'express probe', adds: 'Express 5 with one route answering the same probe', server: 'express', status: 200, request: { path: '/healthz' } },
      { name: 'healthz', adds: 'express, request id and histogram; no log line', server: 'api', status: 200, request: { path: '/healthz' } },
      { name: 'no key', adds: 'the 401 error answer and its warn log line', server: 'api', status: 401, request: { path: '/v1/emails/1' } },
      { name: 'unknown route', adds: 'key lookup and rate limit (then a 404 and its log line)', server: 'api', status: 404, request: { path: '/v1/nothing', headers: auth } },
      { name: 'invalid create', adds: 'JSON body parsing and validation (then a 400)', server: 'api', status: 400, request: { path: '/v1/emails', method: 'POST', headers: auth, body: invalid } },
      { name: 'create, not enqueued', adds: 'the create statement and the rendered email (201)', server: 'api', status: 201, request: { path: '/v1/emails', method: 'POST', headers: auth, body: createLater } },
      { name: 'create', adds: 'the delayed job in Redis: bench:api’s request', server: 'api', status: 201, request: { path: '/v1/emails', method: 'POST', headers: auth, body: create } },
      { name: 'get', adds: 'GET one email with its 5 recipients', server: 'api', status: 200, request: { path: `/v1/emails/${seeded[0]}`, headers: auth } },
      { name: 'list', adds: 'GET a page of 20 emails, 5 recipients each', server: 'api', status: 200, request: { path: '/v1/emails?limit=20', headers: auth } },
      { name: 'bare create', adds: 'the baseline: node:http + pg insert, nothing else', server: 'bare', status: 201, request: { path: '/v1/emails', method: 'POST', headers: json, body: create } },
    ];
    const only = process.env.KINDS?.split(',');
    const chosen = only ? kinds.filter((k) => only.includes(k.name)) : kinds;
    const servers = {
      api,
      bare,
      'node:http': { process: probes.process, baseUrl: probes.nodeHttpUrl },
      express: { process: probes.process, baseUrl: probes.expressUrl },
    };
    const serverOf = (kind: Kind) => servers[kind.server];
    const fire = (kind: Kind, seconds: number) => {
      const { path, ...request } = kind.request;
      return autocannon({ ...request, url: `${serverOf(kind).baseUrl}${path}`, connections: CONNECTIONS, duration: seconds });
    };

    progress('warm-up');
    for (const kind of chosen) await fire(kind, WARMUP_S);
    const totals = new Map(chosen.map((k) => [k.name, { requests: 0, cpuMs: 0, seconds: 0, unexpected: 0, perRound: [] as number[] }]));
    for (let n = 1; n <= ROUNDS; n++) {
      for (const kind of chosen) {
        const pid = serverOf(kind).process.pid;
        const before = cpuMs(pid);
        const result = await fire(kind, DURATION_S);
        const total = totals.get(kind.name)!;
        total.cpuMs += cpuMs(pid) - before;
        total.requests += result.requests.total;
        total.seconds += result.duration;
        total.unexpected += result.requests.total - (result.statusCodeStats?.[String(kind.status) as keyof typeof result.statusCodeStats]?.count ?? 0);
        total.perRound.push(round1(result.requests.average));
        progress(`round ${n} ${kind.name}: ${round1(result.requests.average)} req/s, ${Math.round(((cpuMs(pid) - before) / result.requests.total) * 1000)} µs server CPU per request`);
      }
    }
    const results = chosen.map((kind) => {
      const total = totals.get(kind.name)!;
      return {
        kind: kind.name,
        adds: kind.adds,
        status: kind.status,
        reqPerSec: round1(total.requests / total.seconds),
        perRound: total.perRound,
        serverCpuUsPerRequest: Math.round((total.cpuMs / total.requests) * 1000),
        unexpectedStatus: total.unexpected,
      };
    });
    for (const r of results) progress(`${r.kind.padEnd(22)} ${String(r.reqPerSec).padStart(8)} req/s ${String(r.serverCpuUsPerRequest).padStart(6)} µs/req  ${r.adds}`);
    emitResult('api-layers', {
      valid: results.every((r) => r.unexpectedStatus === 0),
      connections: CONNECTIONS,
      durationSeconds: DURATION_S,
      rounds: ROUNDS,
      kinds: results,
    });
  });
}

runBenchmark(main);
