import { randomBytes } from 'node:crypto';

/** The Redis a test or benchmark shares with others (its keys kept apart by a queue prefix of its own). */
export function redisUrl(): string {
  return process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/** A queue prefix of this test's own, so test files sharing one Redis never see each other's jobs. */
export function uniqueQueuePrefix(): string {
  return `{pdt-${randomBytes(5).toString('hex')}}`;
}
