import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from './repo-root';

export interface ChildExit {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * The long-running processes of `npm run stack`. Each child gets its own process group: a terminal's Ctrl-C
 * then reaches only the script, which stops the children itself, gracefully, and signalling the group also
 * reaches anything a child spawned.
 */
export class ChildGroup {
  private readonly children: { name: string; process: ChildProcess }[] = [];
  private reportExit: (exit: ChildExit) => void = () => undefined;
  /** Resolves when the first child exits on its own or is stopped. */
  readonly firstExit = new Promise<ChildExit>((resolve) => {
    this.reportExit = resolve;
  });

  /** Starts a child from the repo root; its output goes to `output` (a file descriptor) or to our terminal. */
  start(name: string, file: string, args: string[], options: { env: NodeJS.ProcessEnv; output?: number }): ChildProcess {
    const stdio = options.output === undefined ? (['ignore', 'inherit', 'inherit'] as const) : (['ignore', options.output, options.output] as const);
    const child = spawn(file, args, { cwd: repoRoot, env: options.env, stdio: [...stdio], detached: true });
    child.once('error', () => this.reportExit({ name, code: 127, signal: null }));
    child.once('exit', (code, signal) => this.reportExit({ name, code, signal }));
    this.children.push({ name, process: child });
    return child;
  }

  names(): string[] {
    return this.children.map((child) => child.name);
  }

  /** SIGTERM to every child (the API and worker drain), SIGKILL to whatever still runs after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    const running = this.children.filter(({ process }) => process.exitCode === null && process.signalCode === null && process.pid !== undefined);
    const exited = running.map(({ process }) => new Promise((resolve) => process.once('exit', resolve)));
    for (const { process } of running) signalGroup(process, 'SIGTERM');
    await Promise.race([Promise.all(exited), sleep(graceMs)]);
    for (const { process } of running) signalGroup(process, 'SIGKILL');
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-(child.pid as number), signal);
  } catch {
    // The group is gone already.
  }
}
