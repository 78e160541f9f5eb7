import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { canAptInstall } from './apt-install';
import { LocalServiceError } from './local-service-error';
import type { LocalServicesSettings } from './local-services-settings';
import type { Progress } from './progress';
import { isRedisReachable } from './redis-reachable';
import { redisServerArguments } from './redis-server-arguments';
import { ensureRedisServer } from './redis-server-binary';
import { runCommand } from './run-command';

// The private, persistent Redis under .local/redis: daemonized, so it outlives the run that started it and
// the next run finds it answering; stopped only when asked, through the pid it recorded.

export const localRedisDir = (settings: LocalServicesSettings) => path.join(settings.localDir, 'redis');

/** Starts the private Redis unless it answers already; returns its URL. */
export async function startLocalRedis(settings: LocalServicesSettings, progress: Progress): Promise<string> {
  const port = settings.redis.localPort;
  const url = `redis://127.0.0.1:${port}`;
  if (await isRedisReachable(url)) {
    progress(`reusing local Redis on 127.0.0.1:${port}`);
    return url;
  }
  const binary = await ensureRedisServer({ searchPath: settings.searchPath, canInstall: canAptInstall(settings), progress });
  const dir = localRedisDir(settings);
  await mkdir(dir, { recursive: true });
  progress(`starting local Redis on 127.0.0.1:${port}`);
  const daemon = ['--dir', dir, '--daemonize', 'yes', '--pidfile', pidFile(settings), '--logfile', path.join(dir, 'redis.log')];
  const failure = await runCommand(binary, [...redisServerArguments(port), ...daemon]).then(() => null, (error: Error) => error.message);
  // --daemonize returns before the port is open: wait until it answers.
  for (let waited = 0; !failure && waited < 10_000; waited += 200) {
    if (await isRedisReachable(url)) return url;
    await sleep(200);
  }
  throw new LocalServiceError(`local Redis did not come up on port ${port} (taken? set POSTDATE_LOCAL_REDIS_PORT; see .local/redis/redis.log)${failure ? `: ${failure}` : ''}`);
}

/**
 * Stops the private Redis if it runs; says whether it did. It signals the recorded pid rather than sending
 * SHUTDOWN to the port: the port may belong to someone else by now, the pid file is ours.
 */
export async function stopLocalRedis(settings: LocalServicesSettings, progress: Progress): Promise<boolean> {
  const pid = recordedPid(settings);
  if (pid === null || !isRunningRedis(pid)) return false;
  progress('stopping local Redis');
  process.kill(pid, 'SIGTERM');
  for (let waited = 0; waited < 5000 && isRunningRedis(pid); waited += 100) await sleep(100);
  return true;
}

const pidFile = (settings: LocalServicesSettings) => path.join(localRedisDir(settings), 'redis.pid');

function recordedPid(settings: LocalServicesSettings): number | null {
  if (!existsSync(pidFile(settings))) return null;
  const pid = Number(readFileSync(pidFile(settings), 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** A pid file left by a crash may name a pid reused since; where /proc tells, check it is a redis-server. */
function isRunningRedis(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const cmdline = `/proc/${pid}/cmdline`;
  return !existsSync('/proc/self') || (existsSync(cmdline) && readFileSync(cmdline, 'utf8').includes('redis-server'));
}
