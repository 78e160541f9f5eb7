import path from 'node:path';
import { LocalServiceError } from './local-service-error';
import { findRepoRoot } from './repo-root';

/** Everything the local-services functions need to know about this machine and checkout. */
export interface LocalServicesSettings {
  /** The checkout: .local/ (private servers, kept secrets) and node_modules/ live here. */
  repoRoot: string;
  localDir: string;
  /** PATH, searched for initdb/pg_ctl, redis-server and apt-get. */
  searchPath: string;
  /** Prefix of the system folders searched for Postgres installs (/usr/lib/postgresql/…): '/', except to try another machine's layout. */
  systemRoot: string;
  /** initdb and pg_ctl refuse to run as root, and only root may apt-get install. */
  isRoot: boolean;
  postgres: {
    /** The conventional server, tried when DATABASE_URL is unset or does not answer. */
    defaultUrl: string;
    /** Port of the private server under .local/postgres. */
    localPort: number;
    /** The unprivileged account that owns private clusters when we run as root. */
    osUser: string;
  };
  redis: { defaultUrl: string; localPort: number };
  /** The browser the Bull Board test drives. */
  chromiumPath: string;
}

/** As root, private clusters belong to this account (created when missing): one name for the scripts and the tests. */
export const DEFAULT_PG_OS_USER = 'postdate-pg';

/**
 * Reads the POSTDATE_* overrides (and PATH, CHROMIUM_PATH) once, at the boundary: the scripts pass their
 * environment, the tests' private servers theirs. Nothing below this file reads the environment.
 */
export function readLocalServicesSettings(env: NodeJS.ProcessEnv, repoRoot: string = findRepoRoot()): LocalServicesSettings {
  return {
    repoRoot,
    localDir: path.join(repoRoot, '.local'),
    searchPath: env.PATH ?? '',
    systemRoot: '/',
    isRoot: process.getuid?.() === 0,
    postgres: {
      defaultUrl: env.POSTDATE_DEFAULT_PG_URL || 'postgresql://postgres@127.0.0.1:5432/postgres',
      localPort: portFrom(env, 'POSTDATE_LOCAL_PG_PORT', 55432),
      osUser: env.POSTDATE_PG_OS_USER || DEFAULT_PG_OS_USER,
    },
    redis: {
      defaultUrl: env.POSTDATE_DEFAULT_REDIS_URL || 'redis://127.0.0.1:6379',
      localPort: portFrom(env, 'POSTDATE_LOCAL_REDIS_PORT', 56379),
    },
    chromiumPath: env.CHROMIUM_PATH || '/usr/bin/chromium',
  };
}

function portFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (!raw) return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new LocalServiceError(`${name} must be a port number (1-65535), not '${raw}'`);
  return port;
}
