import { startTestApi, type TestApi } from './support/test-api';

// GET /v1/events: the tenant's outbox read back, newest first, by email and type, keyset-paginated.

let stack: TestApi;
beforeAll(async () => {
  stack = await startTestApi();
});
afterAll(() => stack?.close());

const later = () => new Date(Date.now() + 3_600_000).toISOString();

test("an email's life as events: scheduled, updated, canceled, in sequence, with the API's shapes", async () => {
  const client = await stack.tenant();
  const created = await client.request('POST', '/v1/emails', { from: 'a@acme.test', to: ['ann@example.com'], text: 'x', sendAt: later(), metadata: { order: 7 } });
  await client.request('PATCH', `/v1/emails/${created.body.id}`, { subject: 'new subject' });
  await client.request('POST', `/v1/emails/${created.body.id}/cancel`);

  const listed = await client.request('GET', `/v1/events?emailId=${created.body.id}`);
  expect(listed.status).toBe(200);
  expect(listed.body.nextCursor).toBeNull();
  const events = [...listed.body.data].reverse();
  expect(events.map((e: { sequence: number; type: string; emailVersion: number }) => [e.sequence, e.type, e.emailVersion])).toEqual([
    [1, 'email.scheduled', 1],
    [2, 'email.updated', 2],
    [3, 'email.canceled', 3],
  ]);
  expect(events[0]).toMatchObject({
    id: expect.stringMatching(/^evt_[0-9a-f]{32}$/),
    object: 'event',
    emailId: created.body.id,
    createdAt: expect.any(String),
    data: { status: 'scheduled', recipients: [{ address: 'ann@example.com', kind: 'to' }], metadata: { order: 7 } },
  });
  expect(events[1].data).toMatchObject({ changed: ['subject'], rearmed: false });
  expect(events[2].data).toMatchObject({ status: 'canceled', reason: 'client' });

  const one = await client.request('GET', `/v1/events/${events[1].id}`);
  expect(one.body).toEqual(events[1]);
});

test('filters by type, pages by cursor without repeating or skipping, and rejects a bad type or cursor', async () => {
  const client = await stack.tenant();
  for (let i = 0; i < 5; i++) await client.request('POST', '/v1/emails', { from: 'a@acme.test', to: [`p${i}@example.com`], text: 'x', sendAt: later() });
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { status: number; body: { data: { id: string; type: string }[]; nextCursor: string | null } } = await client.request(
      'GET',
      `/v1/events?type=email.scheduled&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(page.status).toBe(200);
    expect(page.body.data.length).toBeLessThanOrEqual(2);
    seen.push(...page.body.data.map((e) => e.id));
    expect(page.body.data.every((e) => e.type === 'email.scheduled')).toBe(true);
    cursor = page.body.nextCursor;
  } while (cursor);
  expect(seen).toHaveLength(5);
  expect(new Set(seen).size).toBe(5);
  expect((await client.request('GET', '/v1/events?type=email.opened')).status).toBe(400);
  expect((await client.request('GET', '/v1/events?cursor=abc')).status).toBe(400);
});

test("another tenant's events are invisible: not listed, and 404 by id exactly like one that does not exist", async () => {
  const owner = await stack.tenant();
  const other = await stack.tenant();
  const created = await owner.request('POST', '/v1/emails', { from: 'a@acme.test', to: ['x@example.com'], text: 'x', sendAt: later() });
  const [event] = (await owner.request('GET', `/v1/events?emailId=${created.body.id}`)).body.data;
  expect((await other.request('GET', `/v1/events?emailId=${created.body.id}`)).body.data).toEqual([]);
  const foreign = await other.request('GET', `/v1/events/${event.id}`);
  const missing = await other.request('GET', '/v1/events/evt_00000000000000000000000000000000');
  expect([foreign.status, missing.status]).toEqual([404, 404]);
  expect(foreign.body.error.code).toBe(missing.body.error.code);
  expect((await other.request('GET', '/v1/events/not-an-id')).status).toBe(404);
});
