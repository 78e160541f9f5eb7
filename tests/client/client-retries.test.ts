import { startApi, type RunningApi } from '@postdate/api/start';
import { Postdate, PostdateApiError, PostdateConnectionError } from '@postdate/client';
import { holdQuotaLock } from '@postdate/db/testing';
import { createLogger } from '@postdate/observability';
import { apiConfig, freePort } from '@postdate/test-support';
import { Redis } from 'ioredis';
import { startTestStack, type TestStack } from '../support';

// The client's retries against the real API: a 429 and a 503 are retried after the Retry-After the API
// sent, with the same Idempotency-Key, so the email is written once; a daily quota is not retried; a lost
// answer is retried only for a request safe to repeat. The client's waits are recorded, not slept.

let stack: TestStack;
let rateLimited: RunningApi;
let redis: Redis;
beforeAll(async () => {
  // A short statement timeout, for a create stuck behind a lock to answer 503.
  stack = await startTestStack({ apiOverrides: { DATABASE_STATEMENT_TIMEOUT_MS: '1500' } });
  rateLimited = await startApi(apiConfig(stack, { RATE_LIMIT_PER_MINUTE: '1' }), createLogger({ level: 'silent', service: 'test' }));
  redis = new Redis(stack.redisUrl);
});
afterAll(async () => {
  redis?.disconnect();
  await rateLimited?.stop();
  await stack?.close();
});

const later = () => new Date(Date.now() + 3_600_000).toISOString();

/** A client whose requests are recorded and whose waits run `onWait` instead of a timer. */
function recordingClient(baseUrl: string, apiKey: string, onWait: (ms: number) => Promise<void> = async () => {}) {
  const requests: { method: string; idempotencyKey: string | null }[] = [];
  const waits: number[] = [];
  const postdate = new Postdate({
    apiKey,
    baseUrl,
    fetch: (input, init) => {
      requests.push({ method: init?.method ?? 'GET', idempotencyKey: new Headers(init?.headers).get('idempotency-key') });
      return fetch(input, init);
    },
    sleep: async (ms) => {
      waits.push(ms);
      await onWait(ms);
    },
  });
  return { postdate, requests, waits };
}

test('a 429 is retried after its Retry-After, with the same Idempotency-Key: one email', async () => {
  const tenant = await stack.tenant();
  // The wait "passes" the window: the key's count in Redis is dropped, as a new minute would.
  const nextWindow = async () => {
    const keys = await redis.keys(`${stack.queuePrefix}:ratelimit*`);
    if (keys.length > 0) await redis.del(...keys);
  };
  const { postdate, requests, waits } = recordingClient(`http://127.0.0.1:${rateLimited.port}`, tenant.key, nextWindow);
  await postdate.emails.list(); // the minute's one request
  const created = await postdate.emails.create({ from: 'noreply@acme.test', to: ['ann@example.com'], text: 'x', sendAt: later() });

  const creates = requests.filter((r) => r.method === 'POST');
  expect(creates).toHaveLength(2);
  expect(creates[0]!.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
  expect(creates[1]!.idempotencyKey).toBe(creates[0]!.idempotencyKey);
  expect(waits).toHaveLength(1);
  expect(waits[0]).toBeGreaterThanOrEqual(1000);
  expect(waits[0]).toBeLessThanOrEqual(60_000);
  expect(waits[0]! % 1000).toBe(0); // whole seconds: the API's Retry-After, not a backoff
  expect(await stack.db.scheduledEmail.count({ where: { tenantId: tenant.tenantId } })).toBe(1);
  expect(created.recipients[0]!.address).toBe('ann@example.com');
});

test('a 503 is retried after Retry-After: 5 with the same key, and the email is written once', async () => {
  const tenant = await stack.tenant();
  await stack.db.tenant.update({ where: { id: tenant.tenantId }, data: { dailyRecipientQuota: 100 } });
  expect((await tenant.request('POST', '/v1/emails', { from: 'noreply@acme.test', to: ['first@example.com'], text: 'x', sendAt: later() })).status).toBe(201);
  const lock = await holdQuotaLock(stack.db, tenant.tenantId);
  // The wait ends the outage: the lock that held the create past the statement timeout is released.
  const { postdate, requests, waits } = recordingClient(stack.baseUrl, tenant.key, () => lock.release());
  const created = await postdate.emails.create({ from: 'noreply@acme.test', to: ['ben@example.com'], text: 'x', sendAt: later() }, { idempotencyKey: 'order-7' });
  expect(waits).toEqual([5000]);
  expect(requests.map((r) => r.idempotencyKey)).toEqual(['order-7', 'order-7']);
  expect(created.status).toBe('scheduled');
  expect(await stack.db.scheduledEmail.count({ where: { tenantId: tenant.tenantId, idempotencyKey: 'order-7' } })).toBe(1);
});

test('a daily quota is not retried, nor a Retry-After beyond maxRetryDelayMs', async () => {
  const tenant = await stack.tenant();
  await stack.db.tenant.update({ where: { id: tenant.tenantId }, data: { dailyRecipientQuota: 0 } });
  const quota = recordingClient(stack.baseUrl, tenant.key);
  await expect(quota.postdate.emails.create({ from: 'noreply@acme.test', to: ['cy@example.com'], text: 'x' })).rejects.toMatchObject({ status: 429, code: 'quota_exceeded' });
  expect([quota.requests.length, quota.waits]).toEqual([1, []]);

  const limited = await stack.tenant();
  const impatient = new Postdate({ apiKey: limited.key, baseUrl: `http://127.0.0.1:${rateLimited.port}`, maxRetryDelayMs: 500 });
  await impatient.emails.list();
  const refused = (await impatient.emails.list().catch((error: unknown) => error)) as PostdateApiError;
  expect(refused).toBeInstanceOf(PostdateApiError);
  expect([refused.status, refused.code, refused.retryAfterSeconds]).toEqual([429, 'rate_limited', expect.any(Number)]);
});

test('no answer: a read is retried, an edit is not; both end in a PostdateConnectionError', async () => {
  const { postdate, requests, waits } = recordingClient(`http://127.0.0.1:${await freePort()}`, 'pd_unused');
  await expect(postdate.emails.get('1')).rejects.toBeInstanceOf(PostdateConnectionError);
  expect([requests.length, waits.length]).toEqual([3, 2]);
  requests.length = 0;
  await expect(postdate.emails.update('1', { subject: 'x' })).rejects.toBeInstanceOf(PostdateConnectionError);
  expect(requests).toHaveLength(1);
});
