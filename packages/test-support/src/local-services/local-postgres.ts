import { readFileSync, statSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { clusterOwner, ensureOsUser, runAs } from './cluster-owner';
import { ensurePostgresBinaries } from './ensure-postgres-binaries';
import { LocalServiceError } from './local-service-error';
import type { LocalServicesSettings } from './local-services-settings';
import { findPostgresBinaries } from './postgres-binaries';
import { clusterIsRunning, hasClusterData, initCluster, serverLogTail, startCluster, stopCluster, type PostgresCluster } from './postgres-cluster';
import type { Progress } from './progress';

// The private, persistent Postgres under .local/postgres: started on first need, reused by every later run
// (so a second `npm test` starts at once), stopped only when asked (`npm run services -- stop`).

export const localPostgresDir = (settings: LocalServicesSettings) => path.join(settings.localDir, 'postgres');

/** Starts the private cluster (initialising it the first time) unless it runs already; returns its admin URL. */
export async function startLocalPostgres(settings: LocalServicesSettings, progress: Progress): Promise<string> {
  const bindir = await ensurePostgresBinaries(settings, progress);
  const cluster = await localCluster(settings, bindir);
  await mkdir(settings.localDir, { recursive: true });
  if (cluster.owner !== null) await letOwnerIn(cluster.owner, settings.localDir, progress);

  if (await clusterIsRunning(cluster)) {
    const port = runningPort(cluster) ?? settings.postgres.localPort;
    progress(`reusing local Postgres in .local/postgres (port ${port})`);
    return adminUrl(port);
  }
  if (!hasClusterData(cluster)) {
    progress(`initialising local Postgres in .local/postgres (${bindir})`);
    await initCluster(cluster).catch((error: Error) => {
      throw new LocalServiceError(`initdb failed: ${error.message}`);
    });
  }
  const port = settings.postgres.localPort;
  progress(`starting local Postgres on 127.0.0.1:${port}`);
  await startCluster(cluster, port).catch(() => {
    throw new LocalServiceError(
      `could not start local Postgres (port ${port} taken? set POSTDATE_LOCAL_PG_PORT; see .local/postgres/server.log):\n${serverLogTail(cluster)}`,
    );
  });
  return adminUrl(port);
}

/** Stops the private cluster if it runs; says whether it did. Never touches any other server. */
export async function stopLocalPostgres(settings: LocalServicesSettings, progress: Progress): Promise<boolean> {
  const bindir = findPostgresBinaries(settings);
  if (!bindir) return false;
  const cluster = await localCluster(settings, bindir);
  if (!(await clusterIsRunning(cluster))) return false;
  progress('stopping local Postgres');
  await stopCluster(cluster, 'fast');
  return true;
}

async function localCluster(settings: LocalServicesSettings, bindir: string): Promise<PostgresCluster> {
  const dataDir = localPostgresDir(settings);
  return { bindir, dataDir, owner: await clusterOwner({ isRoot: settings.isRoot, osUser: settings.postgres.osUser, dataDir }) };
}

const adminUrl = (port: number) => `postgresql://postgres@127.0.0.1:${port}/postgres`;

/** The port a running cluster listens on (line 4 of postmaster.pid): it may predate a change of POSTDATE_LOCAL_PG_PORT. */
function runningPort(cluster: PostgresCluster): number | null {
  try {
    const port = Number(readFileSync(path.join(cluster.dataDir, 'postmaster.pid'), 'utf8').split('\n')[3]);
    return Number.isInteger(port) && port > 0 ? port : null;
  } catch {
    return null;
  }
}

/** Root hands the cluster to an unprivileged account, which must be able to reach .local/. */
async function letOwnerIn(owner: string, localDir: string, progress: Progress): Promise<void> {
  await ensureOsUser(owner, progress);
  // .local is ours, so opening it for traversal is fine; the secrets in it are 0600 files.
  await chmod(localDir, (statSync(localDir).mode & 0o7777) | 0o001);
  const reachable = await runAs(owner, 'test', ['-x', localDir]).then(() => true, () => false);
  if (!reachable) {
    throw new LocalServiceError(
      `user '${owner}' cannot reach ${localDir} (a parent folder is not world-traversable, e.g. /root). Move the checkout, run as a normal user, or set DATABASE_URL to a server that answers.`,
    );
  }
}
