import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port';

const run = promisify(execFile);

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

/** The directory holding initdb and pg_ctl: PATH first, then the newest Debian-style versioned install. */
export function findPostgresBinaries(): string | null {
  const onPath = (process.env.PATH ?? '').split(path.delimiter).find((dir) => existsSync(path.join(dir, 'pg_ctl')));
  const versioned = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql')
        .sort((a, b) => Number(b) - Number(a))
        .map((version) => `/usr/lib/postgresql/${version}/bin`)
    : [];
  return [onPath, ...versioned].find((dir) => dir && existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl'))) ?? null;
}

/** initdb and pg_ctl refuse to run as root: as root, they run as this (existing) account. */
const CLUSTER_OWNER = process.env.POSTDATE_PG_OS_USER ?? 'postgres';

/** Why a private cluster cannot be started here, or null when it can. */
export function privatePostgresUnavailable(): string | null {
  if (!findPostgresBinaries()) return 'no initdb/pg_ctl found (apt-get install postgresql)';
  if (userInfo().uid === 0) {
    try {
      execFileSync('id', [CLUSTER_OWNER], { stdio: 'ignore' });
    } catch {
      return `running as root and there is no '${CLUSTER_OWNER}' account to own the cluster (set POSTDATE_PG_OS_USER)`;
    }
  }
  return null;
}

export async function startPostgresServer(): Promise<PostgresServer> {
  const bindir = findPostgresBinaries();
  if (!bindir) throw new Error('no initdb/pg_ctl found');
  const asOwner = (binary: string, args: string[]) =>
    userInfo().uid === 0
      ? run('runuser', ['-u', CLUSTER_OWNER, '--', path.join(bindir, binary), ...args], { cwd: '/' })
      : run(path.join(bindir, binary), args);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'postdate-pg-'));
  if (userInfo().uid === 0) {
    const { stdout } = await run('id', ['-u', CLUSTER_OWNER]);
    const { stdout: gid } = await run('id', ['-g', CLUSTER_OWNER]);
    await chown(dataDir, Number(stdout.trim()), Number(gid.trim()));
  }
  // C locale: containers often lack generated locales. No fsync: the test is about restarts, not disks.
  await asOwner('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const port = await freePort();
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off -c max_connections=200`;
  const start = () => asOwner('pg_ctl', ['-D', dataDir, '-l', path.join(dataDir, 'server.log'), '-w', '-t', '60', '-o', options, 'start']);
  const stop = (mode: 'fast' | 'immediate') => asOwner('pg_ctl', ['-D', dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
  await start();
  return {
    adminUrl: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    port,
    async restart(downMs = 0) {
      await stop('fast');
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await start();
    },
    async close() {
      await stop('immediate').catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
