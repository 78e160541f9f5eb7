import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { HttpError } from '../http-errors';

// Count one request and, for the window's first, set its expiry: atomic, one command, one round trip.
const COUNT_IN_WINDOW = `
  local count = redis.call('INCR', KEYS[1])
  if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
  return count`;

// Sent by its SHA1 (EVALSHA; ioredis loads it again after a Redis restart): the script text is not
// re-sent and re-hashed with every request.
const COUNT_COMMAND = 'postdateCountInWindow';
type CountingRedis = Redis & { [COUNT_COMMAND]: (key: string, windowMs: number) => Promise<number> };

function withCounter(redis: Redis): CountingRedis {
  if (!(COUNT_COMMAND in redis)) redis.defineCommand(COUNT_COMMAND, { numberOfKeys: 1, lua: COUNT_IN_WINDOW });
  return redis as CountingRedis;
}

/**
 * Per-API-key request budget per minute, counted in Redis so every API replica shares it. A fixed
 * one-minute window: one script call per request (INCR, plus PEXPIRE for the window's first). When Redis
 * is unreachable the request is let through (Postgres quotas still bound what a tenant can send); the
 * outage is logged on the request's logger.
 */
export function rateLimit(redis: Redis, options: { perMinute: number; prefix: string }): RequestHandler {
  const counter = withCounter(redis);
  return async (req, res, next) => {
    const principal = req.principal;
    if (options.perMinute === 0 || !principal) return next();
    const windowStart = Math.floor(Date.now() / 60_000) * 60_000;
    const key = `${options.prefix}:ratelimit:${principal.keyPrefix}:${windowStart}`;
    let count: number;
    try {
      count = Number(await counter[COUNT_COMMAND](key, 61_000));
    } catch (error) {
      req.log.warn({ err: (error as Error).message }, 'rate limiter unavailable; request allowed');
      return next();
    }
    const resetSeconds = Math.max(1, Math.ceil((windowStart + 60_000 - Date.now()) / 1000));
    res.set({ 'RateLimit-Limit': String(options.perMinute), 'RateLimit-Remaining': String(Math.max(0, options.perMinute - count)), 'RateLimit-Reset': String(resetSeconds) });
    if (count > options.perMinute) {
      throw new HttpError(429, 'rate_limited', `rate limit of ${options.perMinute} requests per minute exceeded for this API key`, { limit: options.perMinute, retryAfterSeconds: resetSeconds }, { 'Retry-After': String(resetSeconds) });
    }
    next();
  };
}
