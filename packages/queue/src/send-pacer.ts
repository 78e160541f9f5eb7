import type { RedisConnection } from './redis-connection';

// SMTP_MAX_PER_SECOND, kept at the moment a send starts rather than when its job is fetched: whatever runs
// between the two (the claim's batch, a garbage collection, a busy machine) would otherwise bunch sends that
// were fetched evenly, and a relay counting per second sees the bunch. One slot every 1000/rate ms, shared by
// every worker through one key: a worker reserves the next free slot and waits for it. The slots are laid on
// Redis's clock (TIME), so workers whose clocks disagree still space their sends evenly.

// KEYS: the next free slot (ms on Redis's clock). ARGV: the spacing (ms). Answers the slot reserved (ms on
// Redis's clock, as text: Redis would truncate a Lua number) and how long to wait for it (ms).
const RESERVE_SLOT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
local after = slot + tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%.3f', after), 'PX', math.ceil(after - now) + 1000)
return {string.format('%.3f', slot), math.ceil(slot - now)}`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface SendSlot {
  /** When the slot is, in ms on Redis's clock. */
  at: number;
  /** How long to wait for it from now (ms; 0 or less: go). */
  wait: number;
}

/** Reserves the next send slot at `perSecond` for every worker sharing `prefix`. */
export async function reserveSendSlot(redis: RedisConnection, prefix: string, perSecond: number): Promise<SendSlot> {
  const [at, wait] = (await redis.eval(RESERVE_SLOT, 1, `${prefix}:send-pace`, 1000 / perSecond)) as [string, number];
  return { at: Number(at), wait: Number(wait) };
}

/**
 * Waits for a send slot. A slot this process woke up well after (the event loop was held up, so several
 * waits would end at once) is given up and a new one reserved, once: a stall turns into a gap, not a burst,
 * and a machine whose timers are always late still sends (each given-up slot slows every worker).
 */
export async function waitForSendSlot(redis: RedisConnection, prefix: string, perSecond: number): Promise<void> {
  const tolerance = Math.max(20, 1000 / perSecond);
  for (let reservation = 1; ; reservation++) {
    const { wait } = await reserveSendSlot(redis, prefix, perSecond);
    if (wait <= 0) return;
    const asleep = performance.now();
    await sleep(wait);
    if (reservation === 2 || performance.now() - asleep - wait <= tolerance) return;
  }
}
