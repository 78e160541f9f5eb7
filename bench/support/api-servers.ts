import { uniqueQueuePrefix, waitFor } from '@postdate/test-support';
import { envInt } from './report';
import { nextMessage, spawnTs, type NodeProcess } from './processes';
import { freePort, freePorts, type BenchServices } from './services';

// The HTTP servers the API benchmarks measure: postdate's API process as it runs in production, the bare
// node:http + node-postgres endpoint (bench/baselines/bare-api.ts) and the plain Express + Prisma one
// (bench/baselines/plain-express-api.ts) it is compared with, and the framework probes. Each is stopped
// by the benchmark's clean-up (`defer`), registered as soon as it is spawned.

export interface HttpServerProcess {
  process: NodeProcess;
  baseUrl: string;
}

/**
 * apps/api/src/main.ts on a free port, logging at BENCH_LOG_LEVEL, its rate limiter on but never tripping;
 * from this checkout or from `root`, another one (a previous commit, for a before/after in one run).
 */
export async function startApiServer(
  { database, redis, defer }: Pick<BenchServices, 'database' | 'redis' | 'defer'>,
  execArgv: string[] = [],
  root?: string,
): Promise<HttpServerProcess & { queuePrefix: string }> {
  const queuePrefix = uniqueQueuePrefix();
  const port = await freePort();
  const api = spawnTs(
    'apps/api/src/main.ts',
    {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: queuePrefix,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_POOL_SIZE: String(envInt('DATABASE_POOL_SIZE', 10)),
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      // The per-key rate limiter stays on (its Redis call is part of the request's cost) but never trips.
      RATE_LIMIT_PER_MINUTE: String(envInt('RATE_LIMIT_PER_MINUTE', 100_000_000)),
      // Benchmarks send from made-up domains: no sender-domain check (nor its query) in the measured path.
      REQUIRE_VERIFIED_DOMAIN: 'false',
    },
    execArgv,
    root,
  );
  defer(() => api.stop());
  const baseUrl = `http://127.0.0.1:${port}`;
  const answers = (url: string) => fetch(url).then((response) => response.status < 500, () => false);
  await waitFor(`${baseUrl}/healthz to answer`, () => answers(`${baseUrl}/healthz`), 60_000, 100);
  return { process: api, baseUrl, queuePrefix };
}

/** The bare endpoint, inserting for `tenantId`. */
export async function startBareServer({ database, defer }: Pick<BenchServices, 'database' | 'defer'>, tenantId: bigint): Promise<HttpServerProcess> {
  const port = await freePort();
  const bare = spawnTs('bench/baselines/bare-api.ts', {
    DATABASE_URL: database.url,
    PORT: String(port),
    TENANT_ID: tenantId.toString(),
    POOL_SIZE: String(envInt('DATABASE_POOL_SIZE', 10)),
  });
  defer(() => bare.stop());
  await nextMessage(bare, 'ready');
  return { process: bare, baseUrl: `http://127.0.0.1:${port}` };
}

/** bench/baselines/probe-server.ts: GET /healthz from bare node:http and from a one-route Express app. */
export async function startProbeServers({ defer }: Pick<BenchServices, 'defer'>): Promise<{ process: NodeProcess; nodeHttpUrl: string; expressUrl: string }> {
  const [port, expressPort] = await freePorts(2);
  const probes = spawnTs('bench/baselines/probe-server.ts', { PORT: String(port), EXPRESS_PORT: String(expressPort) });
  defer(() => probes.stop());
  await nextMessage(probes, 'ready');
  return { process: probes, nodeHttpUrl: `http://127.0.0.1:${port}`, expressUrl: `http://127.0.0.1:${expressPort}` };
}

/**
 * bench/baselines/plain-express-api.ts: Express + zod + Prisma `$transaction` + `queue.add`, inserting for
 * `tenantId`, its jobs under a queue prefix of its own.
 */
export async function startPlainExpressServer(
  { database, redis, defer }: Pick<BenchServices, 'database' | 'redis' | 'defer'>,
  tenantId: bigint,
): Promise<HttpServerProcess & { queuePrefix: string }> {
  const [port, queuePrefix] = [await freePort(), uniqueQueuePrefix()];
  const plain = spawnTs('bench/baselines/plain-express-api.ts', {
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: queuePrefix,
    PORT: String(port),
    TENANT_ID: tenantId.toString(),
    POOL_SIZE: String(envInt('DATABASE_POOL_SIZE', 10)),
  });
  defer(() => plain.stop());
  await nextMessage(plain, 'ready');
  return { process: plain, baseUrl: `http://127.0.0.1:${port}`, queuePrefix };
}
