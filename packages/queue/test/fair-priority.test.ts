import { uniqueQueuePrefix } from '@postdate/test-support';
import { onEachRedis } from './on-each-redis';
import { fairPriorities } from '../src/fair-priority';

// Priorities that interleave tenants: each job ranked among its tenant's jobs due in the same minute. The ranks
// are one pipeline of INCRBYs: on a Redis Cluster its keys must share a slot, which the prefix's hash tag gives.

onEachRedis((redis) => {
  const at = (iso: string) => new Date(iso);

  test("every tenant's first job goes before any tenant's second, across batches and processes sharing Redis", async () => {
    const prefix = uniqueQueuePrefix();
    const minute = at('2030-01-01T09:00:10Z');
    const burst = Array.from({ length: 5 }, () => ({ tenantId: 'a', dueAt: minute }));
    expect(await fairPriorities(redis(), prefix, burst)).toEqual([2, 3, 4, 5, 6]);
    // Another tenant's single email due in the same minute, added afterwards: ahead of the burst's second.
    expect(await fairPriorities(redis(), prefix, [{ tenantId: 'b', dueAt: at('2030-01-01T09:00:40Z') }])).toEqual([2]);
    // The burst's tenant again: its ranks carry on where the last batch stopped.
    expect(await fairPriorities(redis(), prefix, [{ tenantId: 'a', dueAt: minute }, { tenantId: 'b', dueAt: minute }])).toEqual([7, 3]);
    // A new minute starts every tenant's ranks afresh; front of the line is 1, and not counted.
    expect(await fairPriorities(redis(), prefix, [{ tenantId: 'a', dueAt: at('2030-01-01T09:01:00Z') }, { tenantId: 'a', dueAt: minute, frontOfLine: true }])).toEqual([2, 1]);
  });

  test('ranks expire some hours after their minute', async () => {
    const prefix = uniqueQueuePrefix();
    const dueAt = new Date();
    await fairPriorities(redis(), prefix, [{ tenantId: 'c', dueAt }]);
    const ttl = await redis().pttl(`${prefix}:fair:c:${Math.floor(dueAt.getTime() / 60_000)}`);
    expect(ttl).toBeGreaterThan(5 * 3_600_000);
    expect(ttl).toBeLessThanOrEqual(6 * 3_600_000 + 60_000);
  });
});
