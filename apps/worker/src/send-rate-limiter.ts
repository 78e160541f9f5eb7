import type { RateLimiterOptions } from 'bullmq';

/**
 * BullMQ's limiter for a rate of `perSecond` sends, in short windows: its windows are fixed, so one of a
 * second would let 2 × perSecond through around a window's edge (a full window's worth at the end of one and
 * again at the start of the next), which a relay counting per second would throttle. Windows of about 100 ms
 * keep any one-second span within perSecond plus one window's share.
 */
export function sendRateLimiter(perSecond: number): RateLimiterOptions {
  const max = Math.max(1, Math.floor(perSecond / 10));
  return { max, duration: Math.round((1000 * max) / perSecond) };
}
