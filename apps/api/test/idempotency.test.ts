import { startTestApi, type TestApi } from './support/test-api';

let stack: TestApi;
beforeAll(async () => {
  stack = await startTestApi();
});
afterAll(() => stack?.close());

const body = (subject = 'Welcome') => ({
  from: 'app@acme.test',
  to: ['ann@example.com', 'ben@example.com'],
  cc: ['cat@example.com'],
  subject,
  text: 'hi',
  sendAt: new Date(Date.now() + 3_600_000).toISOString(),
});

test('twenty concurrent identical requests with one Idempotency-Key create one email and one set of recipients', async () => {
  const client = await stack.tenant();
  const payload = body();
  const responses = await Promise.all(
    Array.from({ length: 20 }, () => client.request('POST', '/v1/emails', payload, { 'Idempotency-Key': 'signup-42' })),
  );
  const statuses = responses.map((r) => r.status).sort();
  expect(statuses.filter((s) => s === 201)).toHaveLength(1);
  expect(statuses.filter((s) => s === 200)).toHaveLength(19);
  const ids = new Set(responses.map((r) => r.body.id));
  expect(ids.size).toBe(1);
  for (const replay of responses.filter((r) => r.status === 200)) {
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
  }
  expect(await stack.db.scheduledEmail.count({ where: { tenantId: client.tenantId } })).toBe(1);
  const recipients = await stack.db.recipient.findMany({ where: { emailId: BigInt([...ids][0]) } });
  expect(recipients.map((r) => r.address).sort()).toEqual(['ann@example.com', 'ben@example.com', 'cat@example.com']);
});

test('a replay that spells an address in another case is the same request; another address is not', async () => {
  const client = await stack.tenant();
  const first = await client.request('POST', '/v1/emails', body(), { 'Idempotency-Key': 'case' });
  const respelled = await client.request('POST', '/v1/emails', { ...body(), from: 'App@acme.test', to: ['ANN@example.com', 'Ben@example.com'], sendAt: first.body.sendAt }, { 'Idempotency-Key': 'case' });
  expect([first.status, respelled.status]).toEqual([201, 200]);
  expect(respelled.body.id).toBe(first.body.id);
  const other = await client.request('POST', '/v1/emails', { ...body(), to: ['ann@example.com', 'bob@example.com'], sendAt: first.body.sendAt }, { 'Idempotency-Key': 'case' });
  expect(other.status).toBe(422);
});

test('the same key with a different body answers 422 and changes nothing', async () => {
  const client = await stack.tenant();
  const first = await client.request('POST', '/v1/emails', body('A'), { 'Idempotency-Key': 'k1' });
  expect(first.status).toBe(201);
  const second = await client.request('POST', '/v1/emails', body('B'), { 'Idempotency-Key': 'k1' });
  expect(second.status).toBe(422);
  expect(second.body.error.code).toBe('idempotency_mismatch');
  const stored = await client.request('GET', `/v1/emails/${first.body.id}`);
  expect(stored.body.subject).toBe('A');
});

test('a replay returns the stored email even with JSON keys in another order', async () => {
  const client = await stack.tenant();
  const payload = body();
  const first = await client.request('POST', '/v1/emails', payload, { 'Idempotency-Key': 'reorder' });
  const reordered = Object.fromEntries(Object.entries(payload).reverse());
  const again = await client.request('POST', '/v1/emails', reordered, { 'Idempotency-Key': 'reorder' });
  expect(again.status).toBe(200);
  expect(again.body).toEqual(first.body);
});

test('keys are scoped per tenant: two tenants may use the same key for different emails', async () => {
  const a = await stack.tenant();
  const b = await stack.tenant();
  const fromA = await a.request('POST', '/v1/emails', body('for A'), { 'Idempotency-Key': 'shared' });
  const fromB = await b.request('POST', '/v1/emails', body('for B'), { 'Idempotency-Key': 'shared' });
  expect([fromA.status, fromB.status]).toEqual([201, 201]);
  expect(fromA.body.id).not.toBe(fromB.body.id);
  const recipientsOfA = await stack.db.recipient.count({ where: { emailId: BigInt(fromA.body.id) } });
  expect(recipientsOfA).toBe(3);
});

test('without a key, identical requests are separate emails', async () => {
  const client = await stack.tenant();
  const one = await client.request('POST', '/v1/emails', body());
  const two = await client.request('POST', '/v1/emails', body());
  expect([one.status, two.status]).toEqual([201, 201]);
  expect(one.body.id).not.toBe(two.body.id);
});
