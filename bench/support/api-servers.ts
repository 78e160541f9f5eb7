import { uniqueQueuePrefix } from '@postdate/test-support';
import { envInt } from './report';
import { nextMessage, spawnTs, type NodeProcess } from './processes';
import { freePort } from './services';

// The two HTTP servers the API benchmarks measure: postdate's API process as it runs in production, and
// the bare node:http + node-postgres endpoint (bench/baselines/bare-api.ts) it is compared with.

export interface HttpServerProcess {
  process: NodeProcess;
  baseUrl: string;
}

async function waitHttp(url: string) {
  for (let i = 0; ; i++) {
    try {
      const response = await fetch(url);
      if (response.status < 500) return;
    } catch {
      // Not listening yet.
    }
    if (i > 600) throw new Error(`${url} did not come up`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** apps/api/src/main.ts on a free port, logging at BENCH_LOG_LEVEL, its rate limiter on but never tripping. */
export async function startApiServer(urls: { database: string; redis: string }, execArgv: string[] = []): Promise<HttpServerProcess & { queuePrefix: string }> {
  const queuePrefix = uniqueQueuePrefix();
  const port = await freePort();
  const api = spawnTs(
    'apps/api/src/main.ts',
    {
      DATABASE_URL: urls.database,
      REDIS_URL: urls.redis,
      QUEUE_PREFIX: queuePrefix,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_POOL_SIZE: String(envInt('DATABASE_POOL_SIZE', 10)),
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      // The per-key rate limiter stays on (its Redis call is part of the request's cost) but never trips.
      RATE_LIMIT_PER_MINUTE: String(envInt('RATE_LIMIT_PER_MINUTE', 100_000_000)),
    },
    execArgv,
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitHttp(`${baseUrl}/healthz`);
  return { process: api, baseUrl, queuePrefix };
}

/** The bare endpoint, inserting for `tenantId`. */
export async function startBareServer(databaseUrl: string, tenantId: bigint): Promise<HttpServerProcess> {
  const port = await freePort();
  const bare = spawnTs('bench/baselines/bare-api.ts', {
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    TENANT_ID: tenantId.toString(),
    POOL_SIZE: String(envInt('DATABASE_POOL_SIZE', 10)),
  });
  await nextMessage(bare, 'ready');
  return { process: bare, baseUrl: `http://127.0.0.1:${port}` };
}

/** bench/baselines/probe-server.ts: GET /healthz from bare node:http and from a one-route Express app. */
export async function startProbeServers(): Promise<{ process: NodeProcess; nodeHttpUrl: string; expressUrl: string }> {
  const [port, expressPort] = [await freePort(), await freePort()];
  const probes = spawnTs('bench/baselines/probe-server.ts', { PORT: String(port), EXPRESS_PORT: String(expressPort) });
  await nextMessage(probes, 'ready');
  return { process: probes, nodeHttpUrl: `http://127.0.0.1:${port}`, expressUrl: `http://127.0.0.1:${expressPort}` };
}
