import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { waitFor } from '@postdate/test-support';

// The API's own entry point, found through its package, run from source as `npm run api` does.
const apiMain = path.join(path.dirname(require.resolve('@postdate/api/package.json')), 'src/main.ts');

export interface ApiProcess {
  child: ChildProcess;
  port: number;
  output: () => string;
  /** SIGTERM, then resolves once it has exited. */
  stop(): Promise<void>;
}

/** The API as a real OS process (node --import tsx), so what a test reads is exactly what main.ts writes. */
export async function startApiProcess(variables: Record<string, string>): Promise<ApiProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', apiMain], {
    env: { PATH: process.env.PATH ?? '', ...variables },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const started = await Promise.race([
    waitFor('api process to listen', () => /"port":(\d+)[^\n]*"msg":"api listening"/.exec(output), 30_000),
    exited.then(() => {
      throw new Error(`api exited before listening:\n${output}`);
    }),
  ]);
  return {
    child,
    port: Number(started[1]),
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
