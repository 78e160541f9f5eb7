import type { RequestHandler } from 'express';
import type { RedisConnection } from '@postdate/queue';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { HttpError } from '../http-errors';

/**
 * Per-API-key request budget per minute, counted in Redis by rate-limiter-flexible (one atomic script per
 * request, on one key, which a Redis Cluster sends to that key's node) so every API replica shares it. A
 * key's window opens at its first request and lasts a minute, so windows are not one wall-clock boundary
 * that every client can spend across at once.
 *
 * When Redis does not answer (the API's connection gives up within a second), the request is let through
 * and the outage logged on the request's logger. No insurance limiter: a count kept in each process would
 * grant every replica the whole budget and report headers that are not the shared count, while the
 * tenant's daily quota, in Postgres, still bounds what it can send.
 */
export function rateLimit(redis: RedisConnection, options: { perMinute: number; prefix: string }): RequestHandler {
  if (options.perMinute === 0) return (_req, _res, next) => next();
  const limiter = new RateLimiterRedis({ storeClient: redis, keyPrefix: `${options.prefix}:ratelimit`, points: options.perMinute, duration: 60 });
  return async (req, res, next) => {
    const principal = req.principal;
    if (!principal) return next();
    let outcome: RateLimiterRes;
    let allowed = true;
    try {
      outcome = await limiter.consume(principal.keyPrefix);
    } catch (refusal) {
      // The library rejects with its result when the budget is spent, and with an Error when Redis failed.
      if (!(refusal instanceof RateLimiterRes)) {
        req.log.warn({ err: (refusal as Error).message }, 'rate limiter unavailable; request allowed');
        return next();
      }
      outcome = refusal;
      allowed = false;
    }
    const resetSeconds = Math.max(1, Math.ceil(outcome.msBeforeNext / 1000));
    res.set({ 'RateLimit-Limit': String(options.perMinute), 'RateLimit-Remaining': String(outcome.remainingPoints), 'RateLimit-Reset': String(resetSeconds) });
    if (!allowed) {
      throw new HttpError(429, 'rate_limited', `rate limit of ${options.perMinute} requests per minute exceeded for this API key`, { limit: options.perMinute, retryAfterSeconds: resetSeconds }, { 'Retry-After': String(resetSeconds) });
    }
    next();
  };
}
