import { startApi } from '@postdate/api/start';
import { createLogger } from '@postdate/observability';
import { apiConfig, startRedisCluster, waitFor, type RedisClusterServers } from '@postdate/test-support';
import { startTestApi, type TestApi } from './support/test-api';

let stack: TestApi;
beforeAll(async () => {
  stack = await startTestApi({ apiOverrides: { DATABASE_POOL_SIZE: '20' } });
});
afterAll(() => stack?.close());

const email = (to: string[]) => ({ from: 'a@acme.test', to, text: 'x', sendAt: new Date(Date.now() + 3_600_000).toISOString() });

test('100 concurrent creates against a daily quota with room for 50 → exactly 50 accepted, the rest 429, and the counter says 50', async () => {
  const client = await stack.tenant();
  await stack.db.tenant.update({ where: { id: client.tenantId }, data: { dailyRecipientQuota: 50 } });
  const responses = await Promise.all(Array.from({ length: 100 }, (_, i) => client.request('POST', '/v1/emails', email([`q${i}@example.com`]))));
  const accepted = responses.filter((r) => r.status === 201).length;
  expect(accepted).toBe(50);
  const refused = responses.filter((r) => r.status === 429);
  expect(refused).toHaveLength(50);
  expect(refused[0]!.body.error).toMatchObject({ code: 'quota_exceeded', details: { limit: 50, requested: 1 } });
  expect(await stack.db.scheduledEmail.count({ where: { tenantId: client.tenantId } })).toBe(50);
  const usage = await stack.db.quotaUsage.findMany({ where: { tenantId: client.tenantId } });
  expect(usage.map((u) => u.recipients)).toEqual([50]);
});

test('edits that add recipients consume quota; replays do not', async () => {
  const client = await stack.tenant();
  await stack.db.tenant.update({ where: { id: client.tenantId }, data: { dailyRecipientQuota: 3 } });
  const body = email(['a@example.com', 'b@example.com']);
  const first = await client.request('POST', '/v1/emails', body, { 'Idempotency-Key': 'q' });
  const replay = await client.request('POST', '/v1/emails', body, { 'Idempotency-Key': 'q' });
  expect([first.status, replay.status]).toEqual([201, 200]);
  const swap = await client.request('PATCH', `/v1/emails/${first.body.id}`, { to: ['a@example.com', 'c@example.com'] });
  expect(swap.status).toBe(200);
  const tooMany = await client.request('PATCH', `/v1/emails/${first.body.id}`, { to: ['a@example.com', 'c@example.com', 'd@example.com'] });
  expect(tooMany.status).toBe(429);
  const unchanged = await client.request('GET', `/v1/emails/${first.body.id}`);
  expect(unchanged.body.recipients.map((r: { address: string }) => r.address)).toEqual(['a@example.com', 'c@example.com']);
});

test('a tenant without a quota is not limited', async () => {
  const client = await stack.tenant();
  const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => client.request('POST', '/v1/emails', email([`u${i}@example.com`]))));
  expect(responses.every((r) => r.status === 201)).toBe(true);
});

// The per-key limit on one Redis server and on a private three-master Redis Cluster, the API given one node of
// it in REDIS_CLUSTER_NODES, a node that does not own the prefix's slot.
describe.each([
  ['one Redis server', false],
  ['a Redis Cluster, REDIS_CLUSTER_NODES naming a node without the queue slot', true],
])('rate limit on %s', (_backend, onCluster) => {
  let cluster: RedisClusterServers | undefined;
  let limited: TestApi;
  beforeAll(async () => {
    if (onCluster) cluster = await startRedisCluster();
    limited = await startTestApi(cluster ? { redisCluster: cluster } : {});
  });
  afterAll(async () => {
    await limited?.close();
    await cluster?.stop();
  });
  /** On a cluster every master loses its script cache: the counter's key may live on any of them. */
  const flushScriptCache = (redis: { script(subcommand: 'FLUSH'): Promise<unknown> }) =>
    cluster ? Promise.all(cluster.masters.map((master) => master.script('FLUSH'))) : redis.script('FLUSH');

  test('the per-key rate limit is shared by two API replicas through Redis (even across a script-cache flush), and answers 429 with Retry-After', async () => {
    const config = apiConfig(limited, { RATE_LIMIT_PER_MINUTE: '6' });
    const replicas = await Promise.all([startApi(config, createLogger({ level: 'silent', service: 'test' })), startApi(config, createLogger({ level: 'silent', service: 'test' }))]);
    try {
      // Until its client is connected a replica lets requests through uncounted (as during an outage).
      await waitFor('the replicas connected to Redis', () => replicas.every((replica) => replica.context.redis.status === 'ready'));
      const client = await limited.tenant();
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 8; i++) {
        const replica = replicas[i % 2]!;
        // The counter runs as a cached script (EVALSHA): a Redis that lost its script cache must not lose a count.
        if (i === 3) await flushScriptCache(replica.context.redis);
        const res = await fetch(`http://127.0.0.1:${replica.port}/v1/emails`, { headers: { authorization: `Bearer ${client.key}` } });
        statuses.push(res.status);
        if (res.status === 429) {
          retryAfter = res.headers.get('retry-after');
          expect(((await res.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
        }
      }
      // The key's window opened at its first request, a minute ago at most: no boundary falls inside the loop.
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429, 429]);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
      // Another key of the same system is unaffected.
      const other = await limited.tenant();
      const res = await fetch(`http://127.0.0.1:${replicas[0]!.port}/v1/emails`, { headers: { authorization: `Bearer ${other.key}` } });
      expect(res.status).toBe(200);
    } finally {
      await Promise.all(replicas.map((r) => r.stop()));
    }
  });

  test("a key's window opens at its first request, not at the wall clock's minute: Retry-After counts a full minute from there", async () => {
    // A window on the wall clock's minute is one boundary for every key: a client starting its budget at :59
    // may spend it again at :00. Past :10, such a window would leave at most 50 s to wait.
    const secondOfMinute = new Date().getSeconds();
    if (secondOfMinute < 10) await new Promise((resolve) => setTimeout(resolve, (10 - secondOfMinute) * 1000));
    const api = await startApi(apiConfig(limited, { RATE_LIMIT_PER_MINUTE: '3' }), createLogger({ level: 'silent', service: 'test' }));
    try {
      await waitFor('the API connected to Redis', () => api.context.redis.status === 'ready');
      const client = await limited.tenant();
      const answers: { status: number; limit: string | null; remaining: string | null; reset: string | null; retryAfter: string | null }[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await fetch(`http://127.0.0.1:${api.port}/v1/emails`, { headers: { authorization: `Bearer ${client.key}` } });
        const h = (name: string) => res.headers.get(name);
        answers.push({ status: res.status, limit: h('ratelimit-limit'), remaining: h('ratelimit-remaining'), reset: h('ratelimit-reset'), retryAfter: h('retry-after') });
      }
      expect(answers.map((a) => [a.status, a.limit, a.remaining])).toEqual([
        [200, '3', '2'],
        [200, '3', '1'],
        [200, '3', '0'],
        [429, '3', '0'],
      ]);
      expect(Number(answers[3]!.retryAfter)).toBeGreaterThanOrEqual(55);
      expect(Number(answers[3]!.retryAfter)).toBeLessThanOrEqual(60);
      expect(answers[3]!.reset).toBe(answers[3]!.retryAfter);
    } finally {
      await api.stop();
    }
  });
});
