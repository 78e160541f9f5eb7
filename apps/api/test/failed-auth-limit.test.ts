import http from 'node:http';
import { startApi, type RunningApi } from '@postdate/api/start';
import { createLogger } from '@postdate/observability';
import { apiConfig } from '@postdate/test-support';
import { startTestApi, type TestApi } from './support/test-api';

// A flood of keys that have the right shape but belong to nobody: each one used to cost a Postgres read.
// Failed authentications are counted per client address in Redis (shared by replicas); past the limit the
// address is answered 429 before any lookup. Every 127.0.0.0/8 address is this machine, so each test
// speaks from an address of its own.

const LIMIT = 5;
let stack: TestApi;

beforeAll(async () => {
  stack = await startTestApi({ apiOverrides: { AUTH_FAILURES_PER_MINUTE: String(LIMIT) } });
});
afterAll(() => stack?.close());

interface Answer {
  status: number;
  code?: string;
  retryAfter?: string;
}

/** GET /v1/emails from `source` (a local address), with the key given and any other headers. */
function get(port: number, source: string, key: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/v1/emails', localAddress: source, headers: { authorization: `Bearer ${key}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => {
        const retryAfter = res.headers['retry-after'];
        resolve({ status: res.statusCode!, code: (JSON.parse(body) as { error?: { code: string } }).error?.code, ...(retryAfter ? { retryAfter } : {}) });
      });
    });
    req.on('error', reject);
  });
}

let keys = 0;
/** A key of the right shape (`pd_<12>_<32>`) that no tenant has. */
const unknownKey = () => `pd_${'z'.repeat(12)}_${String(++keys).padStart(32, '0')}`;

/** Runs `during` while Postgres cannot answer a key lookup: the api_key table is renamed away. */
async function withKeyTableHidden<T>(during: () => Promise<T>): Promise<T> {
  await stack.db.$executeRaw`ALTER TABLE api_key RENAME TO api_key_hidden`;
  try {
    return await during();
  } finally {
    await stack.db.$executeRaw`ALTER TABLE api_key_hidden RENAME TO api_key`;
  }
}

test('past the limit an address is answered 429 with Retry-After, and its keys are no longer looked up', async () => {
  const port = stack.api.port;
  const source = '127.0.0.2';
  const first = [];
  for (let i = 0; i < LIMIT; i++) first.push(await get(port, source, unknownKey()));
  expect(first.map((a) => a.status)).toEqual(Array(LIMIT).fill(401));
  // The failure that crosses the limit was looked up, and is answered 429 already.
  const crossing = await get(port, source, unknownKey());
  expect(crossing).toMatchObject({ status: 429, code: 'rate_limited' });

  const valid = await stack.tenant();
  await withKeyTableHidden(async () => {
    // A lookup now fails (the table is gone), so any request that reached Postgres would show as a 5xx.
    const control = await get(port, '127.0.0.3', unknownKey());
    expect(control.status).toBeGreaterThanOrEqual(500);
    const flood = await Promise.all(Array.from({ length: 30 }, () => get(port, source, unknownKey())));
    expect(flood.map((a) => a.status)).toEqual(Array(30).fill(429));
    // Before the lookup, a good key cannot be told from a bad one: the address is refused whatever it sends.
    expect((await get(port, source, valid.key)).status).toBe(429);
    for (const answer of flood) {
      expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(answer.retryAfter)).toBeLessThanOrEqual(60);
    }
  });
  // Other addresses are untouched.
  expect((await get(port, '127.0.0.4', valid.key)).status).toBe(200);
});

test('replicas share the count through Redis: another replica refuses the address too, after one lookup at most', async () => {
  const replica: RunningApi = await startApi(apiConfig(stack, { AUTH_FAILURES_PER_MINUTE: String(LIMIT) }), createLogger({ level: 'silent', service: 'test' }));
  try {
    const source = '127.0.0.5';
    for (let i = 0; i <= LIMIT; i++) await get(stack.api.port, source, unknownKey());
    // The replica has not refused this address yet: its first failure is looked up, and the shared count refuses it.
    expect(await get(replica.port, source, unknownKey())).toMatchObject({ status: 429, code: 'rate_limited' });
    await withKeyTableHidden(async () => {
      const flood = await Promise.all(Array.from({ length: 10 }, () => get(replica.port, source, unknownKey())));
      expect(flood.map((a) => a.status)).toEqual(Array(10).fill(429));
    });
  } finally {
    await replica.stop();
  }
});

test('X-Forwarded-For is ignored unless TRUST_PROXY says which proxies to believe', async () => {
  const source = '127.0.0.6';
  // A client that names a new address in every request is still counted by its own.
  const answers = [];
  for (let i = 0; i <= LIMIT + 1; i++) answers.push(await get(stack.api.port, source, unknownKey(), { 'x-forwarded-for': `127.9.0.${i + 1}` }));
  expect(answers.map((a) => a.status)).toEqual([...Array(LIMIT).fill(401), 429, 429]);

  // Behind one proxy (TRUST_PROXY=1), the address is the one that proxy appended.
  const behindProxy = await startApi(apiConfig(stack, { AUTH_FAILURES_PER_MINUTE: String(LIMIT), TRUST_PROXY: '1' }), createLogger({ level: 'silent', service: 'test' }));
  try {
    const viaProxy = (client: string) => get(behindProxy.port, '127.0.0.7', unknownKey(), { 'x-forwarded-for': `127.9.9.9, ${client}` });
    const fromOne = [];
    for (let i = 0; i <= LIMIT; i++) fromOne.push((await viaProxy('127.8.0.1')).status);
    expect(fromOne).toEqual([...Array(LIMIT).fill(401), 429]);
    expect((await viaProxy('127.8.0.2')).status).toBe(401);
  } finally {
    await behindProxy.stop();
  }
});
