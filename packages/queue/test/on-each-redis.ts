import { redisUrl, startRedisCluster, type RedisClusterServers } from '@postdate/test-support';
import { createRedisConnection, type RedisConnection, type RedisTarget } from '../src/redis-connection';

/**
 * Declares `suite` twice: against the shared Redis server, and against a private three-master Redis Cluster
 * (where every key of one script or pipeline must share a slot, as the prefix's hash tag makes them).
 * `redis(n)` is the suite's n-th worker connection (0 unless asked), opened on first use after the backend
 * is up, and closed with it.
 */
export function onEachRedis(suite: (redis: (n?: number) => RedisConnection) => void): void {
  describe.each([
    ['one Redis server', false],
    ['a Redis Cluster', true],
  ])('on %s', (_backend, onCluster) => {
    let cluster: RedisClusterServers | undefined;
    let target: RedisTarget | undefined;
    const connections: RedisConnection[] = [];
    beforeAll(async () => {
      if (onCluster) cluster = await startRedisCluster();
      target = cluster ? { nodes: cluster.ports.map((port) => ({ host: '127.0.0.1', port })), tls: false } : redisUrl();
    });
    afterAll(async () => {
      for (const connection of connections) connection.disconnect();
      await cluster?.stop();
    });
    suite((n = 0) => {
      if (!target) throw new Error('onEachRedis: a connection is opened in a test or hook, once the backend is up');
      while (connections.length <= n) connections.push(createRedisConnection(target, 'worker'));
      return connections[n]!;
    });
  });
}
