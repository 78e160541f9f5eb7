import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from './services';

export const repoRoot = path.resolve(__dirname, '../..');

export interface NodeProcess {
  child: ChildProcess;
  pid: number;
  exited: Promise<number | string>;
  output(): string;
  /** SIGTERM (or the given signal) and wait for the exit, so --cpu-prof gets to write its profile. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

// Children are not tied to the bench's life: a bench that fails half-way must not leave workers running.
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/**
 * Runs a TypeScript entry point as its own OS process (node --import tsx), with an IPC channel. `root`: the
 * checkout it comes from (another one, to compare two versions of the code in one run).
 */
export function spawnTs(script: string, env: Record<string, string>, execArgv: string[] = [], root = repoRoot): NodeProcess {
  const child = fork(path.resolve(root, script), [], {
    cwd: root,
    execArgv: ['--import', 'tsx', ...execArgv],
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    pid: child.pid!,
    exited,
    output: () => output,
    stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Waits for a message of the given type from a forked child. */
export function nextMessage<T extends { type: string }>(proc: NodeProcess, type: string, timeoutMs = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.child.off('message', onMessage);
      reject(new Error(`no '${type}' message within ${timeoutMs}ms; output:\n${proc.output().slice(-2000)}`));
    }, timeoutMs);
    const onMessage = (message: unknown) => {
      if ((message as { type?: string })?.type !== type) return;
      clearTimeout(timer);
      proc.child.off('message', onMessage);
      resolve(message as T);
    };
    proc.child.on('message', onMessage);
    void proc.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`process exited (${code}) before sending '${type}':\n${proc.output().slice(-2000)}`));
    });
  });
}

export interface WorkerProc extends NodeProcess {
  probePort: number;
}

/**
 * The real worker app (apps/worker/src/main.ts) as a process. Readiness is polled on its /readyz
 * (at a port we choose) rather than read from its log, so it can run at LOG_LEVEL=warn. `root`: the
 * checkout it comes from (another one, to compare two versions of the code in one run).
 */
export async function startWorkerProc(variables: Record<string, string>, execArgv: string[] = [], root = repoRoot): Promise<WorkerProc> {
  const probePort = await freePort();
  const proc = spawnTs('apps/worker/src/main.ts', { ...variables, METRICS_PORT: String(probePort) }, execArgv, root);
  void proc.exited.then(() => undefined);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.child.exitCode !== null) throw new Error(`worker exited before ready:\n${proc.output()}`);
    try {
      const response = await fetch(`http://127.0.0.1:${probePort}/readyz`);
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`worker not ready after 60s:\n${proc.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { ...proc, probePort };
}

/** Resident set size of a process in MiB, from /proc (Linux only), or NaN once it has gone. */
export function rssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1]);
    return kb / 1024;
  } catch {
    return NaN;
  }
}

/**
 * CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat (Linux; clock ticks of
 * 10 ms, the kernel's USER_HZ on every Linux we run on). Sample before and after a phase for its share.
 */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; fields after its closing parenthesis are plain.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU time the whole machine has been busy so far (all cores, every process and the kernel), in ms. */
export function machineBusyMs(): number {
  // cpu  user nice system idle iowait irq softirq steal — idle and iowait are not busy.
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) * 10;
}

/** Samples RSS of the given processes every intervalMs until stopped. */
export function sampleRss(pids: number[], intervalMs = 250) {
  const samples: { t: number; mib: number[] }[] = [];
  const timer = setInterval(() => samples.push({ t: Date.now(), mib: pids.map(rssMiB) }), intervalMs);
  return {
    samples,
    stop() {
      clearInterval(timer);
      return samples;
    },
  };
}
