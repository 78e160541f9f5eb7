import type { RedisConnection } from '@postdate/queue';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

export interface FailedAuthLimiter {
  /** Seconds this address must still wait, as this process last heard it (no Redis call); 0 when it may try. */
  refusedForSeconds(address: string): number;
  /** Counts one failed authentication: the seconds the address must now wait, or 0 while under the limit. */
  recordFailure(address: string): Promise<number>;
}

// Addresses refused at once, without asking Redis. Bounded: past this, the oldest refusal is forgotten
// (its address is then refused by the shared count instead, after one more lookup).
const MAX_REMEMBERED = 10_000;

/**
 * Failed authentications per client address, counted in Redis by rate-limiter-flexible so every replica
 * shares the count; a minute's window opens at an address's first failure. A refusal is remembered in
 * this process until the window ends, so a refused address is turned away before its key is read, with
 * neither a Postgres lookup nor a Redis call: each replica looks up at most one more key from it.
 *
 * While Redis does not answer, each process counts alone (an in-memory insurance limiter): unlike the
 * per-key rate limit, this one protects Postgres, which matters most when something else is failing.
 */
export function createFailedAuthLimiter(redis: RedisConnection, options: { perMinute: number; prefix: string }): FailedAuthLimiter {
  if (options.perMinute === 0) return { refusedForSeconds: () => 0, recordFailure: () => Promise.resolve(0) };
  const window = { points: options.perMinute, duration: 60 };
  const limiter = new RateLimiterRedis({ storeClient: redis, keyPrefix: `${options.prefix}:auth-failures`, ...window, insuranceLimiter: new RateLimiterMemory(window) });
  const refusedUntil = new Map<string, number>();
  return {
    refusedForSeconds(address) {
      const until = refusedUntil.get(address);
      if (until === undefined) return 0;
      const ms = until - Date.now();
      if (ms > 0) return Math.ceil(ms / 1000);
      refusedUntil.delete(address);
      return 0;
    },
    async recordFailure(address) {
      try {
        await limiter.consume(address);
        return 0;
      } catch (refusal) {
        // Over the limit the library rejects with its result; anything else is an error for the caller.
        if (!(refusal instanceof RateLimiterRes)) throw refusal;
        if (refusedUntil.size >= MAX_REMEMBERED) refusedUntil.delete(refusedUntil.keys().next().value!);
        refusedUntil.set(address, Date.now() + refusal.msBeforeNext);
        return Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
      }
    },
  };
}
