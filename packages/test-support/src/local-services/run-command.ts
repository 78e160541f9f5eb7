import { execFile, spawn } from 'node:child_process';

export interface CommandOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Runs a program to completion and returns its output; a non-zero exit rejects with its stderr in the message. */
export function runCommand(file: string, args: string[], options: CommandOptions = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { ...options, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        const detail = stderr.trim() || stdout.trim();
        reject(Object.assign(new Error(`${file} ${args.join(' ')} failed: ${detail || error.message}`), { cause: error }));
      } else {
        resolve({ stdout, stderr });
      }
    });
  });
}

/**
 * Runs a long installer (apt-get, npm install) with its output on our stderr, so the person waiting sees it
 * progress while our stdout stays clean for what callers capture. Resolves whether it succeeded.
 */
export function runShowingOutput(file: string, args: string[], options: CommandOptions = {}): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { ...options, stdio: ['ignore', process.stderr, process.stderr] });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}
