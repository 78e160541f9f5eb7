import { existsSync, statSync } from 'node:fs';
import { LocalServiceError } from './local-service-error';
import type { Progress } from './progress';
import { runCommand } from './run-command';

/**
 * The account that must run initdb and pg_ctl for the cluster in `dataDir`, or null for ourselves. They
 * refuse to run as root, so root hands the cluster to the owner of an existing data folder (a cluster made
 * by someone else keeps its owner) or else to `osUser`.
 */
export async function clusterOwner(options: { isRoot: boolean; osUser: string; dataDir: string }): Promise<string | null> {
  if (!options.isRoot) return null;
  const uid = existsSync(options.dataDir) ? statSync(options.dataDir).uid : 0;
  if (uid === 0) return options.osUser;
  const name = await runCommand('id', ['-nu', String(uid)]).then(({ stdout }) => stdout.trim(), () => '');
  return name || options.osUser;
}

export async function osUserExists(user: string): Promise<boolean> {
  return runCommand('id', [user]).then(() => true, () => false);
}

/** Creates `user` as a system account without a home or a login shell, unless it exists. */
export async function ensureOsUser(user: string, progress: Progress): Promise<void> {
  if (await osUserExists(user)) return;
  progress(`creating system user ${user} to own private Postgres clusters (initdb refuses to run as root)`);
  const args = ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', user];
  const failure = await runCommand('useradd', args).then(() => null, (error: Error) => error);
  // Two processes may race to create it (two test files each starting a cluster): theirs is as good as ours.
  if (failure && !(await osUserExists(user))) {
    throw new LocalServiceError(
      `running as root: initdb needs an unprivileged user '${user}', and creating it failed (${failure.message}). Create it, set POSTDATE_PG_OS_USER to an existing account, or run as a normal user.`,
    );
  }
}

export async function osUserIds(user: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([runCommand('id', ['-u', user]), runCommand('id', ['-g', user])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * Runs a program as `owner` (null: as ourselves). From / because the owner may not be allowed into our
 * working folder; su with an explicit shell where runuser is missing, since the account has no login shell.
 */
export async function runAs(owner: string | null, file: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  if (owner === null) return runCommand(file, args);
  try {
    return await runCommand('runuser', ['-u', owner, '--', file, ...args], { cwd: '/' });
  } catch (error) {
    if ((error as { cause?: { code?: unknown } }).cause?.code !== 'ENOENT') throw error;
    const quoted = [file, ...args].map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ');
    return runCommand('su', ['-s', '/bin/sh', owner, '-c', quoted], { cwd: '/' });
  }
}
