import { startTestApi, type TestApi } from './support/test-api';

let stack: TestApi;
beforeAll(async () => {
  stack = await startTestApi();
});
afterAll(() => stack?.close());

const email = (subject: string) => ({
  from: 'app@acme.test',
  to: ['ann@example.com'],
  subject,
  text: 'hi',
  sendAt: new Date(Date.now() + 3_600_000).toISOString(),
});

test("another tenant's email is not found, and never listed", async () => {
  const a = await stack.tenant();
  const b = await stack.tenant();
  const created = await a.request('POST', '/v1/emails', email('private to A'));
  expect(created.status).toBe(201);

  const peek = await b.request('GET', `/v1/emails/${created.body.id}`);
  expect(peek.status).toBe(404);
  expect(peek.body).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
  expect(JSON.stringify(peek.body)).not.toContain('private to A');

  const listB = await b.request('GET', '/v1/emails');
  expect(listB.body.data).toEqual([]);
  const listA = await a.request('GET', '/v1/emails');
  expect(listA.body.data.map((e: { id: string }) => e.id)).toEqual([created.body.id]);
});

test('list pages newest first with a cursor, filtered by status', async () => {
  const client = await stack.tenant();
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await client.request('POST', '/v1/emails', email(`n${i}`))).body.id);
  const page1 = await client.request('GET', '/v1/emails?limit=2');
  expect(page1.body.data.map((e: { id: string }) => e.id)).toEqual([ids[4], ids[3]]);
  const page2 = await client.request('GET', `/v1/emails?limit=2&cursor=${page1.body.nextCursor}`);
  expect(page2.body.data.map((e: { id: string }) => e.id)).toEqual([ids[2], ids[1]]);
  const page3 = await client.request('GET', `/v1/emails?limit=2&cursor=${page2.body.nextCursor}`);
  expect(page3.body.data.map((e: { id: string }) => e.id)).toEqual([ids[0]]);
  expect(page3.body.nextCursor).toBeNull();

  const sent = await client.request('GET', '/v1/emails?status=sent');
  expect(sent.body.data).toEqual([]);
  const scheduled = await client.request('GET', '/v1/emails?status=scheduled&limit=100');
  expect(scheduled.body.data).toHaveLength(5);
});

test('requests without a valid key are refused with 401 JSON', async () => {
  const none = await fetch(`${stack.baseUrl}/v1/emails`);
  expect(none.status).toBe(401);
  expect(((await none.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
  const wrong = await fetch(`${stack.baseUrl}/v1/emails`, { headers: { authorization: 'Bearer pd_aaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' } });
  expect(wrong.status).toBe(401);
});
