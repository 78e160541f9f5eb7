import { uniqueQueuePrefix } from '@postdate/test-support';
import { onEachRedis } from './on-each-redis';
import { reserveSendSlot, waitForSendSlot, type SendSlot } from '../src/send-pacer';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Slots are laid on Redis's clock, so their spacing is checked there, not by how long the round trips took:
 * a slot in the future (wait > 0) is exactly one spacing after the one before; one that is "now" (the line
 * was idle) is at least that far after it.
 */
function expectSpaced(before: SendSlot, after: SendSlot, spacingMs: number) {
  expect(after.at - before.at).toBeGreaterThanOrEqual(spacingMs - 0.001);
  if (after.wait > 0) expect(after.at - before.at).toBeCloseTo(spacingMs, 2);
}

onEachRedis((redis) => {
  test('reservations in a row get slots 1000/rate ms apart', async () => {
    const prefix = uniqueQueuePrefix();
    // One connection: Redis runs them in the order sent, back to back, so all but the first wait.
    const slots = await Promise.all(Array.from({ length: 40 }, () => reserveSendSlot(redis(0), prefix, 50)));
    expect(slots[0]!.wait).toBeLessThanOrEqual(1);
    for (let i = 1; i < slots.length; i++) expectSpaced(slots[i - 1]!, slots[i]!, 20);
    expect(slots[39]!.wait).toBeGreaterThan(0);
  });

  test('two connections share one line of slots', async () => {
    const prefix = uniqueQueuePrefix();
    const first = await reserveSendSlot(redis(0), prefix, 50);
    const second = await reserveSendSlot(redis(1), prefix, 50);
    const third = await reserveSendSlot(redis(0), prefix, 50);
    expect(first.wait).toBe(0);
    expectSpaced(first, second, 20);
    expectSpaced(second, third, 20);
  });

  test('a quiet spell banks nothing: after it, the next slot is now and the one after waits', async () => {
    const prefix = uniqueQueuePrefix();
    const before = await reserveSendSlot(redis(0), prefix, 10);
    await sleep(300);
    const now = await reserveSendSlot(redis(0), prefix, 10);
    const next = await reserveSendSlot(redis(1), prefix, 10);
    expect(now.wait).toBe(0);
    expect(now.at - before.at).toBeGreaterThanOrEqual(299);
    expectSpaced(now, next, 100);
  });

  test('waiting for slots: no one-second span holds more than the rate, counted where the sends start', async () => {
    const prefix = uniqueQueuePrefix();
    const times: number[] = [];
    await Promise.all(Array.from({ length: 60 }, async (_, i) => {
      await waitForSendSlot(redis(i % 2), prefix, 40);
      times.push(performance.now());
    }));
    times.sort((a, b) => a - b);
    const busiest = Math.max(...times.map((start) => times.filter((t) => t >= start && t < start + 1000).length));
    expect(busiest).toBeLessThanOrEqual(41);
    expect(times[59]! - times[0]!).toBeGreaterThanOrEqual(59 * 25 - 30);
  });
});
