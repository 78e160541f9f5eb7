import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { osUserIds, runAs } from './cluster-owner';

/** A Postgres data folder, the binaries that serve it, and the account they run as (null: ourselves). */
export interface PostgresCluster {
  bindir: string;
  dataDir: string;
  owner: string | null;
}

export const hasClusterData = (cluster: PostgresCluster) => existsSync(path.join(cluster.dataDir, 'PG_VERSION'));

/**
 * initdb: superuser `postgres`, trust authentication (it only ever listens on 127.0.0.1), UTF8, and the C
 * locale, because containers often lack generated locales and initdb would fail on the system's one.
 * `noSync` skips initdb's fsyncs, for clusters that live as long as one test.
 */
export async function initCluster(cluster: PostgresCluster, options: { noSync?: boolean } = {}): Promise<void> {
  await mkdir(cluster.dataDir, { recursive: true });
  if (cluster.owner !== null) {
    const { uid, gid } = await osUserIds(cluster.owner);
    await chown(cluster.dataDir, uid, gid);
  }
  // initdb insists on 0700 or 0750; mkdir under a usual umask gives 0755.
  await chmod(cluster.dataDir, 0o700);
  const args = ['-D', cluster.dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', ...(options.noSync ? ['--no-sync'] : [])];
  await runAs(cluster.owner, path.join(cluster.bindir, 'initdb'), args);
}

/**
 * Starts the server and waits until it accepts connections. Settings go on the command line rather than into
 * postgresql.conf, so a changed port applies to an existing cluster. TCP on 127.0.0.1 only, no unix socket:
 * the distribution's socket folder (/var/run/postgresql) is not ours to write. The log sits in the data folder
 * because pg_ctl opens it as the cluster's owner.
 */
export async function startCluster(cluster: PostgresCluster, port: number, settings: Record<string, string | number> = {}): Promise<void> {
  const options = [`-p ${port}`, '-c listen_addresses=127.0.0.1', "-c unix_socket_directories=''"]
    .concat(Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`))
    .join(' ');
  await runAs(cluster.owner, path.join(cluster.bindir, 'pg_ctl'), ['-D', cluster.dataDir, '-l', serverLog(cluster), '-w', '-t', '60', '-o', options, 'start']);
}

/** fast: disconnects clients and shuts down cleanly; immediate: what a crash leaves behind. */
export async function stopCluster(cluster: PostgresCluster, mode: 'fast' | 'immediate'): Promise<void> {
  await runAs(cluster.owner, path.join(cluster.bindir, 'pg_ctl'), ['-D', cluster.dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
}

export async function clusterIsRunning(cluster: PostgresCluster): Promise<boolean> {
  if (!hasClusterData(cluster)) return false;
  return runAs(cluster.owner, path.join(cluster.bindir, 'pg_ctl'), ['-D', cluster.dataDir, 'status']).then(() => true, () => false);
}

/** The end of the server's log, for error messages: why it did not start is written there, not to pg_ctl's output. */
export function serverLogTail(cluster: PostgresCluster, lines = 20): string {
  try {
    return readFileSync(serverLog(cluster), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

const serverLog = (cluster: PostgresCluster) => path.join(cluster.dataDir, 'server.log');
