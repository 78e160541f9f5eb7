import { execFile, spawn } from 'node:child_process';
import { repoRoot } from './repo-root';

/** Runs a program from the repo root with our terminal, and resolves its exit code (128+n for a signal). */
export function run(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { cwd: repoRoot, env, stdio: 'inherit' });
    child.once('error', (error) => {
      process.stderr.write(`[postdate] could not run ${file}: ${error.message}\n`);
      resolve(127);
    });
    child.once('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 143)));
  });
}

/** Runs a program from the repo root and resolves what it printed, whatever its exit code. */
export function capture(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: repoRoot, env }, (error, stdout, stderr) => resolve({ ok: !error, stdout, stderr }));
  });
}

/** `node --import tsx <file>`: how the scripts run the apps' TypeScript (the same node, no npm in between). */
export const tsx = (file: string, ...args: string[]): [string, string[]] => [process.execPath, ['--import', 'tsx', file, ...args]];
