import { findOnPath } from './executables';
import type { Progress } from './progress';
import { runShowingOutput } from './run-command';

/** Only root may install packages, and only where apt-get exists (Debian, Ubuntu). */
export function canAptInstall(machine: { isRoot: boolean; searchPath: string }): boolean {
  return machine.isRoot && findOnPath('apt-get', machine.searchPath) !== null;
}

/** apt-get update, then install; resolves whether both succeeded. */
export async function aptInstall(packages: string[], progress: Progress): Promise<boolean> {
  progress(`installing ${packages.join(' ')} (apt-get install)`);
  // Never stop at a question: there is nobody to answer it in CI.
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  return (await runShowingOutput('apt-get', ['update'], { env })) && (await runShowingOutput('apt-get', ['install', '-y', ...packages], { env }));
}
