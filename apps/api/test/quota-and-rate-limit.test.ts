import { startApi } from '@postdate/api/start';
import { createLogger } from '@postdate/observability';
import { apiConfig, startTestStack, type TestStack } from '@postdate/test-support';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ apiOverrides: { DATABASE_POOL_SIZE: '20' } });
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

test('the per-key rate limit is shared by two API replicas through Redis (even across a script-cache flush), and answers 429 with Retry-After', async () => {
  const config = apiConfig(stack, { RATE_LIMIT_PER_MINUTE: '6' });
  const replicas = await Promise.all([startApi(config, createLogger({ level: 'silent', service: 'test' })), startApi(config, createLogger({ level: 'silent', service: 'test' }))]);
  try {
    const client = await stack.tenant();
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 8; i++) {
      const replica = replicas[i % 2]!;
      // The counter runs as a cached script (EVALSHA): a Redis that lost its script cache must not lose a count.
      if (i === 3) await replica.context.redis.script('FLUSH');
      const res = await fetch(`http://127.0.0.1:${replica.port}/v1/emails`, { headers: { authorization: `Bearer ${client.key}` } });
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers.get('retry-after');
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
      }
    }
    // A window boundary may fall inside the loop; then the count restarts, so allow that one case.
    const limited = statuses.filter((s) => s === 429).length;
    expect(limited === 2 || (limited < 2 && statuses.slice(0, 6).every((s) => s === 200))).toBe(true);
    if (limited > 0) expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    // Another key of the same system is unaffected.
    const other = await stack.tenant();
    const res = await fetch(`http://127.0.0.1:${replicas[0]!.port}/v1/emails`, { headers: { authorization: `Bearer ${other.key}` } });
    expect(res.status).toBe(200);
  } finally {
    await Promise.all(replicas.map((r) => r.stop()));
  }
});
