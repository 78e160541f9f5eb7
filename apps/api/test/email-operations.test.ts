import { type ApiClient } from '@postdate/test-support';
import { startTestApi, type TestApi } from './support/test-api';

let stack: TestApi;
let client: ApiClient;
beforeAll(async () => {
  stack = await startTestApi({ apiOverrides: { MAX_BATCH_SIZE: '1000' } });
  client = await stack.tenant();
});
afterAll(() => stack?.close());

const later = (minutes = 60) => new Date(Date.now() + minutes * 60_000).toISOString();
const create = async (extra: Record<string, unknown> = {}) => {
  const res = await client.request('POST', '/v1/emails', { from: 'a@acme.test', to: ['ann@example.com'], text: 'hi', sendAt: later(), ...extra });
  expect(res.status).toBe(201);
  return res.body;
};
const addresses = (email: { recipients: { address: string; kind: string }[] }) => email.recipients.map((r) => `${r.kind}:${r.address}`).sort();

describe('PATCH /v1/emails/:id', () => {
  test('changes content and sendAt, bumps the version, merges metadata key by key', async () => {
    const email = await create({ metadata: { a: 1, b: 2 } });
    const sendAt = later(120);
    const res = await client.request('PATCH', `/v1/emails/${email.id}`, { subject: 'New', sendAt, metadata: { b: 3, c: 4, a: null } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ subject: 'New', sendAt, version: 2, metadata: { b: 3, c: 4 } });
    expect(res.body.metadata).not.toHaveProperty('a');
  });

  test('recipients are applied as a diff: kept rows keep their ids, removed ones are marked, new ones added', async () => {
    const email = await create({ to: ['ann@example.com', 'ben@example.com'], cc: ['cat@example.com'] });
    const before = await stack.db.recipient.findMany({ where: { emailId: BigInt(email.id) }, orderBy: { id: 'asc' } });
    const res = await client.request('PATCH', `/v1/emails/${email.id}`, { to: ['ann@example.com', 'dan@example.com'] });
    expect(addresses(res.body)).toEqual(['cc:cat@example.com', 'to:ann@example.com', 'to:dan@example.com']);
    const after = await stack.db.recipient.findMany({ where: { emailId: BigInt(email.id) }, orderBy: { id: 'asc' } });
    expect(after.find((r) => r.address === 'ann@example.com')!.id).toBe(before.find((r) => r.address === 'ann@example.com')!.id);
    expect(after.find((r) => r.address === 'ben@example.com')!.status).toBe('removed');
    // Re-adding a removed address revives its row instead of duplicating it.
    const back = await client.request('PATCH', `/v1/emails/${email.id}`, { to: ['ben@example.com'] });
    expect(addresses(back.body)).toEqual(['cc:cat@example.com', 'to:ben@example.com']);
    expect(await stack.db.recipient.count({ where: { emailId: BigInt(email.id), address: 'ben@example.com' } })).toBe(1);
  });

  test('addresses keep the case they were written in, and are matched case-insensitively on create, PATCH and DELETE', async () => {
    const email = await create({ to: ['Bob.Smith@Example.COM', 'ann@example.com'], cc: ['bob.smith@example.com'] });
    expect(addresses(email)).toEqual(['to:Bob.Smith@example.com', 'to:ann@example.com']);
    const [bob] = await stack.db.recipient.findMany({ where: { emailId: BigInt(email.id), address: 'Bob.Smith@example.com' } });
    // A new spelling of a kept address replaces the stored one in place: same row, no second recipient.
    const respelled = await client.request('PATCH', `/v1/emails/${email.id}`, { to: ['BOB.SMITH@example.com', 'ANN@example.com'] });
    expect(addresses(respelled.body)).toEqual(['to:ANN@example.com', 'to:BOB.SMITH@example.com']);
    const rows = await stack.db.recipient.findMany({ where: { emailId: BigInt(email.id) } });
    expect(rows.filter((r) => r.status !== 'removed')).toHaveLength(2);
    expect(rows.find((r) => r.address === 'BOB.SMITH@example.com')!.id).toBe(bob!.id);
    const removed = await client.request('DELETE', `/v1/emails/${email.id}/recipients/${encodeURIComponent('bob.smith@EXAMPLE.com')}`);
    expect(addresses(removed.body)).toEqual(['to:ANN@example.com']);
    // The database refuses a second row for another spelling, whatever path tries to write one.
    await expect(stack.db.recipient.create({ data: { emailId: BigInt(email.id), address: 'ann@example.com', kind: 'cc' } })).rejects.toThrow();
  });

  test('a sent email answers 409 with its status; a canceled one needs a new sendAt to be re-armed', async () => {
    const email = await create();
    await stack.db.scheduledEmail.update({ where: { id: BigInt(email.id) }, data: { status: 'sent' } });
    const sent = await client.request('PATCH', `/v1/emails/${email.id}`, { subject: 'x' });
    expect(sent.status).toBe(409);
    expect(sent.body.error.details).toEqual({ status: 'sent' });

    const other = await create();
    expect((await client.request('POST', `/v1/emails/${other.id}/cancel`)).body.status).toBe('canceled');
    expect((await client.request('PATCH', `/v1/emails/${other.id}`, { subject: 'x' })).status).toBe(409);
    const rearmed = await client.request('PATCH', `/v1/emails/${other.id}`, { sendAt: later(5) });
    expect(rearmed.body).toMatchObject({ status: 'scheduled', canceledAt: null, version: 3 });
  });

  test('clearing both text and html, an empty patch, or unknown fields are 400', async () => {
    const email = await create();
    expect((await client.request('PATCH', `/v1/emails/${email.id}`, { text: null })).status).toBe(400);
    expect((await client.request('PATCH', `/v1/emails/${email.id}`, {})).status).toBe(400);
    expect((await client.request('PATCH', `/v1/emails/${email.id}`, { status: 'sent' })).status).toBe(400);
  });
});

describe('cancel and recipient removal', () => {
  test('cancel is idempotent; a sending email answers 409', async () => {
    const email = await create();
    const first = await client.request('POST', `/v1/emails/${email.id}/cancel`);
    const second = await client.request('POST', `/v1/emails/${email.id}/cancel`);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.body.status).toBe('canceled');
    const busy = await create();
    await stack.db.scheduledEmail.update({ where: { id: BigInt(busy.id) }, data: { status: 'sending' } });
    const refused = await client.request('POST', `/v1/emails/${busy.id}/cancel`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.details).toEqual({ status: 'sending' });
  });

  test('removing a recipient leaves the others; removing the last cancels the email', async () => {
    const email = await create({ to: ['ann@example.com', 'Ben <ben@example.com>'] });
    const one = await client.request('DELETE', `/v1/emails/${email.id}/recipients/${encodeURIComponent('BEN@example.com')}`);
    expect(one.status).toBe(200);
    expect(addresses(one.body)).toEqual(['to:ann@example.com']);
    expect(one.body.status).toBe('scheduled');
    const missing = await client.request('DELETE', `/v1/emails/${email.id}/recipients/ben@example.com`);
    expect(missing.status).toBe(404);
    const last = await client.request('DELETE', `/v1/emails/${email.id}/recipients/ann@example.com`);
    expect(last.body.status).toBe('canceled');
  });

  test("another tenant can neither cancel, edit nor remove recipients of an email", async () => {
    const email = await create();
    const intruder = await stack.tenant();
    expect((await intruder.request('POST', `/v1/emails/${email.id}/cancel`)).status).toBe(404);
    expect((await intruder.request('PATCH', `/v1/emails/${email.id}`, { subject: 'pwned' })).status).toBe(404);
    expect((await intruder.request('DELETE', `/v1/emails/${email.id}/recipients/ann@example.com`)).status).toBe(404);
    const unchanged = await client.request('GET', `/v1/emails/${email.id}`);
    expect(unchanged.body).toMatchObject({ status: 'scheduled', version: 1, subject: '' });
  });
});

describe('POST /v1/emails/batch', () => {
  const item = (i: number, extra: Record<string, unknown> = {}) => ({ from: 'a@acme.test', to: [`b${i}@example.com`, `c${i}@example.com`], text: `n${i}`, sendAt: later(), ...extra });

  test('1000 emails in one request, all with their recipients; replays by idempotencyKey', async () => {
    const batchClient = await stack.tenant();
    const emails = Array.from({ length: 1000 }, (_, i) => item(i, { idempotencyKey: `k${i}` }));
    const res = await batchClient.request('POST', '/v1/emails/batch', { emails });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ created: 1000, replayed: 0 });
    expect(res.body.data[999].recipients.map((r: { address: string }) => r.address)).toEqual(['b999@example.com', 'c999@example.com']);
    expect(await stack.db.recipient.count({ where: { email: { tenantId: batchClient.tenantId } } })).toBe(2000);

    const again = await batchClient.request('POST', '/v1/emails/batch', { emails: [emails[5], item(1000, { idempotencyKey: 'k1000' })] });
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ created: 1, replayed: 1 });
    expect(again.body.data[0].id).toBe(res.body.data[5].id);
  });

  test('one invalid email rejects the whole batch and writes nothing', async () => {
    const batchClient = await stack.tenant();
    const res = await batchClient.request('POST', '/v1/emails/batch', { emails: [item(1), item(2, { to: ['not an address'] }), item(3)] });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('emails[1]');
    expect(await stack.db.scheduledEmail.count({ where: { tenantId: batchClient.tenantId } })).toBe(0);
  });

  test('an idempotency mismatch inside a batch rolls the whole batch back', async () => {
    const batchClient = await stack.tenant();
    await batchClient.request('POST', '/v1/emails/batch', { emails: [item(1, { idempotencyKey: 'x' })] });
    const res = await batchClient.request('POST', '/v1/emails/batch', { emails: [item(2), item(3, { idempotencyKey: 'x' })] });
    expect(res.status).toBe(422);
    expect(await stack.db.scheduledEmail.count({ where: { tenantId: batchClient.tenantId } })).toBe(1);
  });

  test('more than MAX_BATCH_SIZE emails is 400', async () => {
    const res = await client.request('POST', '/v1/emails/batch', { emails: Array.from({ length: 1001 }, (_, i) => item(i)) });
    expect(res.status).toBe(400);
  });

  test('more than MAX_BATCH_RECIPIENTS recipients in all is 400 and writes nothing, though each email is within its own limit', async () => {
    const batchClient = await stack.tenant();
    const hundred = (n: number) => Array.from({ length: 100 }, (_, i) => `r${n}-${i}@example.com`);
    // 101 emails of 100 recipients: 10,100 rows against the default of 10,000.
    const res = await batchClient.request('POST', '/v1/emails/batch', { emails: Array.from({ length: 101 }, (_, i) => item(i, { to: hundred(i) })) });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/at most 10000 recipients in all; this one has 10100/);
    expect(await stack.db.scheduledEmail.count({ where: { tenantId: batchClient.tenantId } })).toBe(0);
  });
});
