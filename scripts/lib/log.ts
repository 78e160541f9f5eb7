import { LocalServiceError } from '@postdate/test-support/local-services';

// Progress goes to stderr, so that stdout carries only what a command is asked for (`npm run services`).

export const log = (message: string): void => void process.stderr.write(`[postdate] ${message}\n`);

export const announce = (step: string): void => void process.stderr.write(`\n[postdate] ==> ${step}\n`);

/** Ends the script on an error: a LocalServiceError is the user's to fix and its message says how; anything else is a bug, shown with its stack. */
export function exitOnError(error: unknown): never {
  if (error instanceof LocalServiceError) process.stderr.write(`[postdate] ERROR: ${error.message}\n`);
  else process.stderr.write(`[postdate] ERROR: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
