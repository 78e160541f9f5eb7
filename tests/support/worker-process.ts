import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { waitFor } from '@postdate/test-support';

// The worker's own entry point, found through its package, run from source as `npm run worker` does.
const workerMain = path.join(path.dirname(require.resolve('@postdate/worker/package.json')), 'src/main.ts');

// Worker processes must not outlive the test process that started them, whatever happened to the test.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  probePort: number;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Runs `apps/worker` as a real OS process (node --import tsx), as `npm run worker` does. */
export async function startWorkerProcess(variables: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', workerMain], {
    env: { PATH: process.env.PATH ?? '', ...variables, LOG_LEVEL: variables.LOG_LEVEL === 'silent' ? 'info' : (variables.LOG_LEVEL ?? 'info') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  running.add(child);
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? signal ?? -1);
    }),
  );
  const started = await Promise.race([
    waitFor('worker process to start', () => /"probePort":(\d+),"msg":"worker started"/.exec(output), 30_000),
    exited.then((code) => {
      throw new Error(`worker exited (${code}) before starting:\n${output}`);
    }),
  ]);
  return {
    child,
    output: () => output,
    probePort: Number(started[1]),
    exited,
    kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        // A graceful stop that has not finished after 30 s is not going to: do not leave it running.
        setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'), 30_000).unref();
      }
      return exited;
    },
  };
}
