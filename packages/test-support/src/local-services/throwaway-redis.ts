import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from '../free-port';
import { waitFor } from '../wait-for';
import { findOnPath } from './executables';
import { readLocalServicesSettings, type LocalServicesSettings } from './local-services-settings';
import { redisServerArguments } from './redis-server-arguments';
import { REDIS_INSTALL_HINT } from './redis-server-binary';

export interface RedisServer {
  url: string;
  port: number;
  /** A client for the test itself (FLUSHALL, INFO…). */
  client: Redis;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/**
 * A private redis-server for scenarios that flush or stop Redis without touching anyone else's: a child of
 * the test process on a free port. Tests never install it (`npm test` does when it must).
 */
export async function startRedisServer(settings: LocalServicesSettings = readLocalServicesSettings(process.env)): Promise<RedisServer> {
  const binary = findOnPath('redis-server', settings.searchPath);
  if (!binary) throw new Error(`this test starts a private redis-server, and none is on PATH: ${REDIS_INSTALL_HINT}`);
  const port = await freePort();
  let child: ChildProcess | undefined;
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 200 });
  // Refused connections are expected while the server starts or is stopped on purpose; commands still fail.
  client.on('error', () => undefined);
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    client,
    async start() {
      child = spawn(binary, redisServerArguments(port), { stdio: 'ignore' });
      child.once('error', (error) => {
        throw new Error(`redis-server could not start: ${error.message}`);
      });
      await waitFor('private redis-server to answer', async () => (await client.ping()) === 'PONG', 10_000);
    },
    async stop() {
      const running = child;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    },
  };
  await client.connect().catch(() => undefined);
  await server.start();
  return server;
}
