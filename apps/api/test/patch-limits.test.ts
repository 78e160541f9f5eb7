import { startTestApi, type TestApi } from './support/test-api';

// The input limits hold for the email as an edit leaves it, not for each request alone: PATCHes that
// each respect MAX_RECIPIENTS or the metadata size must not add up past them.

let stack: TestApi;
beforeAll(async () => {
  stack = await startTestApi({ apiOverrides: { MAX_RECIPIENTS: '100' } });
});
afterAll(() => stack?.close());

const addresses = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}@example.com`);
const sendAt = () => new Date(Date.now() + 3_600_000).toISOString();

test('to 100, then cc 100: refused with 400 naming the limit, and the email keeps its 100', async () => {
  const client = await stack.tenant();
  const created = await client.request('POST', '/v1/emails', { from: 'a@acme.test', to: addresses('to', 100), text: 'x', sendAt: sendAt() });
  expect(created.status).toBe(201);
  const cc = await client.request('PATCH', `/v1/emails/${created.body.id}`, { cc: addresses('cc', 100) });
  expect(cc.status).toBe(400);
  expect(cc.body.error).toMatchObject({ code: 'validation_failed', message: expect.stringMatching(/at most 100 recipients.*200/) });
  const bcc = await client.request('PATCH', `/v1/emails/${created.body.id}`, { bcc: addresses('bcc', 1) });
  expect(bcc.status).toBe(400);
  const stored = await client.request('GET', `/v1/emails/${created.body.id}`);
  expect({ version: stored.body.version, recipients: stored.body.recipients.length }).toEqual({ version: 1, recipients: 100 });
});

test('an edit that swaps addresses within the limit is fine: the count is of the result', async () => {
  const client = await stack.tenant();
  const created = await client.request('POST', '/v1/emails', { from: 'a@acme.test', to: addresses('to', 60), cc: addresses('cc', 40), text: 'x', sendAt: sendAt() });
  const swapped = await client.request('PATCH', `/v1/emails/${created.body.id}`, { to: addresses('new', 60) });
  expect(swapped.status).toBe(200);
  expect(swapped.body.recipients).toHaveLength(100);
});

test('metadata merged 7 KB at a time: the second merge would pass 8 KiB stored, and is refused', async () => {
  const client = await stack.tenant();
  const created = await client.request('POST', '/v1/emails', { from: 'a@acme.test', to: ['m@example.com'], text: 'x', sendAt: sendAt(), metadata: { a: 'x'.repeat(7_000) } });
  expect(created.status).toBe(201);
  const merged = await client.request('PATCH', `/v1/emails/${created.body.id}`, { metadata: { b: 'y'.repeat(7_000) } });
  expect(merged.status).toBe(400);
  expect(merged.body.error.message).toMatch(/8192 bytes/);
  const stored = await client.request('GET', `/v1/emails/${created.body.id}`);
  expect(Object.keys(stored.body.metadata)).toEqual(['a']);
  // Replacing the big key with a small one is within the limit.
  const replaced = await client.request('PATCH', `/v1/emails/${created.body.id}`, { metadata: { a: null, b: 'y'.repeat(7_000) } });
  expect(replaced.status).toBe(200);
  expect(Object.keys(replaced.body.metadata)).toEqual(['b']);
});
