import { uniqueQueuePrefix } from '@postdate/test-support';
import { onEachRedis } from './on-each-redis';
import { nextRelayPause } from '../src/relay-pause';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// One script over two keys: on a Redis Cluster they must share a slot, which the prefix's hash tag gives.
onEachRedis((redis) => {
  test('replies during a pause share it; a reply right after it doubles the next; a quiet second starts over', async () => {
    const prefix = uniqueQueuePrefix();
    expect(await nextRelayPause(redis(), prefix)).toBe(250);
    // Nine more sends of the same moment refused too: still the same pause, not ten times longer.
    const during = await Promise.all(Array.from({ length: 9 }, () => nextRelayPause(redis(), prefix)));
    expect(Math.max(...during)).toBeLessThanOrEqual(250);
    await sleep(300);
    expect(await nextRelayPause(redis(), prefix)).toBe(500);
    await sleep(550);
    expect(await nextRelayPause(redis(), prefix)).toBe(1000);
    await sleep(1000 + 1000 + 100);
    expect(await nextRelayPause(redis(), prefix)).toBe(250);
  });
});
