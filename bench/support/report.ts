import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// Progress goes to stderr; the one JSON line of results goes to stdout (and a copy to bench/results/).

const started = Date.now();

export function progress(message: string): void {
  process.stderr.write(`[bench +${((Date.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
}

export const resultsDir = path.resolve(__dirname, '../results');

export function emitResult(name: string, result: Record<string, unknown>): void {
  const line = JSON.stringify({ bench: name, at: new Date().toISOString(), ...result });
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, `${name}-${Date.now()}.json`), `${line}\n`);
  process.stdout.write(`${line}\n`);
}

export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got ${raw}`);
  return value;
}

/** Percentiles (nearest rank) of a sample, in the sample's unit, rounded to 0.1. */
export function percentiles(values: number[]): {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  min: number;
  mean: number;
} {
  if (values.length === 0) return { n: 0, p50: NaN, p90: NaN, p99: NaN, max: NaN, min: NaN, mean: NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  const round = (v: number) => Math.round(v * 10) / 10;
  const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
  return {
    n: sorted.length,
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p99: round(at(0.99)),
    max: round(sorted.at(-1)!),
    min: round(sorted[0]!),
    mean: round(mean),
  };
}

export const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
export const round1 = (v: number) => Math.round(v * 10) / 10;

/** Runs a benchmark's main and exits: 0 when it printed its result, 1 (with the stack on stderr) when it failed. */
export function runBenchmark(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error) => {
      progress(`failed: ${error instanceof Error ? error.stack : String(error)}`);
      process.exit(1);
    },
  );
}
