import { startRedisServer, startTcpProxy, type ApiClient, type RedisServer, type TcpProxy } from '@postdate/test-support';
import { startTestApi, type TestApi } from './support/test-api';

// A Redis that stops answering without closing its connections (a partition, a failover that leaves the
// old primary's sockets open, a server stuck in a long script). Every API request asks Redis twice, for the
// rate limit and, after the commit, to add the email's job: neither may wait on it without bound. The email
// is committed before the enqueue; the sweeper adds its job once Redis answers again.

let redis: RedisServer;
let proxy: TcpProxy;
let stack: TestApi;
let client: ApiClient;

beforeAll(async () => {
  redis = await startRedisServer();
  proxy = await startTcpProxy({ host: '127.0.0.1', port: redis.port });
  stack = await startTestApi({
    apiOverrides: { REDIS_URL: `redis://127.0.0.1:${proxy.port}`, RATE_LIMIT_PER_MINUTE: '100000', AUTH_FAILURES_PER_MINUTE: '3' },
  });
  client = await stack.tenant();
});
afterAll(async () => {
  await stack?.close();
  await proxy?.close();
  await redis?.stop();
  redis?.client.disconnect();
});

const email = () => ({ from: 'a@acme.test', to: ['bob@example.com'], text: 'x', sendAt: new Date(Date.now() + 60_000).toISOString() });

async function timed<T>(run: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await run();
  return { result, ms: performance.now() - started };
}

test('while Redis is silent, creates keep answering 201 within a bound, and only the first waits out the timeout', async () => {
  // Through the rate limiter and the enqueue while Redis answers: the connection is up and in use.
  expect((await client.request('POST', '/v1/emails', email())).status).toBe(201);
  expect(await redis.client.dbsize()).toBeGreaterThan(0);

  proxy.blackholeAllConnections();
  const creates: { status: number; ms: number }[] = [];
  for (let i = 0; i < 10; i++) {
    const { result, ms } = await timed(() => client.request('POST', '/v1/emails', email()));
    creates.push({ status: result.status, ms: Math.round(ms) });
  }
  expect(creates.map((c) => c.status)).toEqual(Array(10).fill(201));
  // One request may wait for the command timeout (twice: limiter, then enqueue); none waits longer.
  expect(creates.filter((c) => c.ms > 3_000)).toEqual([]);
  // Once a command has timed out, the connection is taken for dead and replaced; until a replacement
  // answers, commands fail at once instead of each waiting out the timeout again.
  expect(creates.reduce((sum, c) => sum + c.ms, 0)).toBeLessThan(6_000);
  expect(await stack.db.scheduledEmail.count({ where: { tenantId: client.tenantId } })).toBe(11);

  const ready = await timed(() => fetch(`${stack.baseUrl}/readyz`));
  expect(ready.result.status).toBe(503);
  expect(await ready.result.json()).toEqual({ ready: false, checks: { postgres: 'ok', redis: 'unavailable' } });
  expect(ready.ms).toBeLessThan(3_000);
});

test('while Redis is silent, failed authentications are still limited: each process counts them alone', async () => {
  const statuses = [];
  for (let i = 0; i < 5; i++) {
    const key = `pd_${'y'.repeat(12)}_${String(i).padStart(32, '0')}`;
    statuses.push((await fetch(`${stack.baseUrl}/v1/emails`, { headers: { authorization: `Bearer ${key}` } })).status);
  }
  expect(statuses).toEqual([401, 401, 401, 429, 429]);
});
