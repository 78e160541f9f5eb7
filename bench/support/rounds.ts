import { envInt } from './report';

// Repeats: every figure is a median over ROUNDS runs (default 3), reported with its min–max spread and the
// runs themselves, and every ratio is taken round by round (postdate and its baseline measured minutes
// apart, not a whole run apart) before its median is taken.

export const ROUNDS = Math.max(1, envInt('ROUNDS', 3));

export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;

export function median(values: number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return NaN;
  const mid = Math.floor(finite.length / 2);
  return finite.length % 2 === 1 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}

export function spread(values: number[]): Spread {
  const finite = values.filter((v) => Number.isFinite(v));
  return {
    median: round3(median(finite)),
    min: finite.length ? round3(Math.min(...finite)) : NaN,
    max: finite.length ? round3(Math.max(...finite)) : NaN,
    runs: values.map(round3),
  };
}

/** Per-key medians of records (CPU per email by component, say), over the rounds that have the key. */
export function medianByKey(records: Record<string, number>[]): Record<string, number> {
  const keys = [...new Set(records.flatMap((r) => Object.keys(r)))];
  return Object.fromEntries(keys.map((k) => [k, round3(median(records.map((r) => r[k] ?? NaN)))]));
}

/** a[i] / b[i] for each round, then their spread: the ratio measured within each round. */
export function ratioSpread(a: number[], b: number[]): Spread {
  return spread(a.map((v, i) => v / b[i]!));
}

/**
 * The order phases run in round r (0-based): rotated by one each round, so no phase always runs first
 * (cold caches) or last (a database grown by every earlier phase).
 */
export function rotated<T>(items: T[], r: number): T[] {
  if (items.length === 0) return items;
  const k = r % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
