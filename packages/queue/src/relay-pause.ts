import type { RedisConnection } from './redis-connection';

// One pause for every worker, and one count of the pauses the relay has asked for in a row. Throttling
// replies that arrive during a pause belong to it (the sends were already under way): they do not lengthen
// it. A reply after a pause, within a second of its end, means the relay still wants less: the next pause
// doubles. A second without one and the count starts over, so a stray reply (a relay counting its second a
// little differently from our limiter) costs a quarter of a second, and only a relay whose limit is well
// under ours meets long pauses.
const FIRST_PAUSE_MS = 250;
const LONGEST_PAUSE_MS = 10_000;
const FORGET_AFTER_MS = 1_000;

// KEYS: the pause, the count (one slot on a Redis Cluster: both carry the prefix's hash tag). ARGV: first pause, longest pause, forget after (ms). Answers the pause in ms.
const NEXT_PAUSE = `
local left = redis.call('PTTL', KEYS[1])
if left > 0 then return left end
local streak = redis.call('INCR', KEYS[2])
local pause = math.min(tonumber(ARGV[2]), tonumber(ARGV[1]) * 2 ^ math.min(streak - 1, 16))
redis.call('SET', KEYS[1], '1', 'PX', pause)
redis.call('PEXPIRE', KEYS[2], pause + tonumber(ARGV[3]))
return pause`;

/**
 * Records one throttling reply and answers how long sending should pause (ms): what is left of the pause
 * under way, or a new one of 250 ms doubled for each pause in a row, at most 10 s. One script call.
 */
export async function nextRelayPause(redis: RedisConnection, prefix: string): Promise<number> {
  const keys = [`${prefix}:relay-pause`, `${prefix}:relay-pause-streak`];
  return Number(await redis.eval(NEXT_PAUSE, 2, ...keys, FIRST_PAUSE_MS, LONGEST_PAUSE_MS, FORGET_AFTER_MS));
}
