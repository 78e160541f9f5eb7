import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A secret kept in .local/ between runs, or null when there is none yet. */
export function readSecret(file: string): string | null {
  if (!existsSync(file)) return null;
  return readFileSync(file, 'utf8').trim() || null;
}

/** Writes a secret readable by its owner only; via a rename, so an interrupted run never leaves half of it behind. */
export function writeSecret(file: string, value: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, `${value}\n`, { mode: 0o600 });
  // The mode above applies only to a new file: a .tmp left by an interrupted run keeps its own.
  chmodSync(`${file}.tmp`, 0o600);
  renameSync(`${file}.tmp`, file);
}
