import { redisUrl, startRedisCluster, uniqueQueuePrefix, type RedisClusterServers } from '@postdate/test-support';
import { createRedisConnection, pingQueueRedis, type RedisConnection } from '../src/redis-connection';

// /readyz's Redis check asks the server holding postdate's keys: on a cluster, the master owning the prefix's
// slot, and no other (a PING would go to any node, one postdate may not use at all).

let cluster: RedisClusterServers;
let redis: RedisConnection;
beforeAll(async () => {
  cluster = await startRedisCluster();
  redis = createRedisConnection({ nodes: cluster.ports.map((port) => ({ host: '127.0.0.1', port })), tls: false }, 'worker');
});
afterAll(async () => {
  redis?.disconnect();
  await cluster?.stop();
});

/** How many PING and EXISTS each master served since its stats were reset. */
async function checksServed(): Promise<number[]> {
  return Promise.all(
    cluster.masters.map(async (master) => {
      const stats = String(await master.info('commandstats'));
      return [...stats.matchAll(/^cmdstat_(?:ping|exists):calls=(\d+)/gm)].reduce((sum, [, calls]) => sum + Number(calls), 0);
    }),
  );
}

test('on a cluster, the master owning the queue slot is asked, and no other', async () => {
  const prefix = uniqueQueuePrefix();
  const [any] = cluster.masters;
  const slot = Number(await any!.call('CLUSTER', 'KEYSLOT', prefix));
  const ranges = (await any!.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
  const ownerPort = ranges.find(([from, to]) => slot >= from && slot <= to)![2][1];
  await Promise.all(cluster.masters.map((master) => master.config('RESETSTAT')));
  for (let i = 0; i < 10; i++) await pingQueueRedis(redis, prefix);
  expect(await checksServed()).toEqual(cluster.ports.map((port) => (port === ownerPort ? 10 : 0)));
});

test('one server is PINGed, as before', async () => {
  const single = createRedisConnection(redisUrl(), 'worker');
  try {
    expect(await pingQueueRedis(single, uniqueQueuePrefix())).toBe('PONG');
  } finally {
    single.disconnect();
  }
});
