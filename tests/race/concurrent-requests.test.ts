import { raceScale, startTestStack, type TestStack } from '../support';

// Scenarios 1, 5 and 6: many clients at once against one email, no workers involved.
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ apiOverrides: { DATABASE_POOL_SIZE: '20' } });
});
afterAll(() => stack?.close());

const later = () => new Date(Date.now() + 3_600_000).toISOString();

test('scenario 1: 50 identical concurrent creates with one Idempotency-Key → one email, each recipient once', async () => {
  const client = await stack.tenant();
  const body = { from: 'a@acme.test', to: ['x@example.com', 'y@example.com'], bcc: ['z@example.com'], text: 'hi', sendAt: later() };
  const responses = await Promise.all(Array.from({ length: 50 * raceScale }, () => client.request('POST', '/v1/emails', body, { 'Idempotency-Key': 'once' })));
  expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
  expect(responses.filter((r) => r.status === 200)).toHaveLength(50 * raceScale - 1);
  const emails = await stack.db.scheduledEmail.findMany({ where: { tenantId: client.tenantId }, include: { recipients: true } });
  expect(emails).toHaveLength(1);
  expect(emails[0]!.recipients.map((r) => r.address).sort()).toEqual(['x@example.com', 'y@example.com', 'z@example.com']);
});

test('scenario 5: 20 clients replace the recipient list of one email at once → the final list is exactly one of theirs', async () => {
  const client = await stack.tenant();
  const created = await client.request('POST', '/v1/emails', { from: 'a@acme.test', to: ['seed@example.com'], text: 'hi', sendAt: later() });
  // Every client spells the shared address its own way: still one recipient, one row.
  const spellings = ['shared@example.com', 'Shared@example.com', 'SHARED@example.com', 'sHaReD@example.com'];
  const lists = Array.from({ length: 20 }, (_, i) => ({
    to: [spellings[i % spellings.length]!, `only-${i}@example.com`],
    cc: i % 2 ? [`cc-${i}@example.com`] : [],
  }));
  const responses = await Promise.all(lists.map((list) => client.request('PATCH', `/v1/emails/${created.body.id}`, list)));
  expect(responses.every((r) => r.status === 200)).toBe(true);
  const final = await client.request('GET', `/v1/emails/${created.body.id}`);
  const got = final.body.recipients.map((r: { kind: string; address: string }) => `${r.kind}:${r.address}`).sort();
  const candidates = lists.map((l) => [...l.to.map((a) => `to:${a}`), ...l.cc.map((a) => `cc:${a}`)].sort());
  expect(candidates).toContainEqual(got);
  expect(new Set(got).size).toBe(got.length);
  expect(final.body.version).toBe(21);
  // No duplicate rows underneath either, in any spelling.
  const rows = await stack.db.recipient.findMany({ where: { emailId: BigInt(created.body.id) } });
  expect(new Set(rows.map((r) => r.address.toLowerCase())).size).toBe(rows.length);
});

test('scenario 6: concurrent metadata PATCHes on different keys → no key lost', async () => {
  const client = await stack.tenant();
  const created = await client.request('POST', '/v1/emails', { from: 'a@acme.test', to: ['m@example.com'], text: 'hi', sendAt: later(), metadata: { base: true } });
  const keys = Array.from({ length: 30 * raceScale }, (_, i) => `k${i}`);
  const responses = await Promise.all(keys.map((k, i) => client.request('PATCH', `/v1/emails/${created.body.id}`, { metadata: { [k]: i } })));
  expect(responses.every((r) => r.status === 200)).toBe(true);
  const final = await client.request('GET', `/v1/emails/${created.body.id}`);
  expect(final.body.metadata).toEqual({ base: true, ...Object.fromEntries(keys.map((k, i) => [k, i])) });
});
