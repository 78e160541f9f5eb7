import { startTestApi, type TestApi } from './support/test-api';

// /v1/webhooks: a tenant's endpoints. The secret is shown on creation and rotation only; URLs obey the SSRF
// rules; another tenant's endpoints, events and attempts are indistinguishable from missing ones.

let stack: TestApi;
let strict: TestApi;
beforeAll(async () => {
  stack = await startTestApi();
  // As in production: https only, no private or loopback addresses.
  strict = await startTestApi({ apiOverrides: { WEBHOOK_ALLOW_HTTP: 'false', WEBHOOK_ALLOW_PRIVATE: 'false' } });
});
afterAll(async () => {
  await stack?.close();
  await strict?.close();
});

const body = { url: 'http://127.0.0.1:9/hook', events: ['email.sent', 'email.failed', 'email.sent'], description: 'orders service' };

test('create answers 201 with a whsec_ secret once; list and get never show it', async () => {
  const client = await stack.tenant();
  const created = await client.request('POST', '/v1/webhooks', body);
  expect(created.status).toBe(201);
  expect(created.headers.get('location')).toBe(`/v1/webhooks/${created.body.id}`);
  expect(created.body).toMatchObject({
    id: expect.stringMatching(/^[1-9][0-9]*$/),
    object: 'webhook_endpoint',
    url: 'http://127.0.0.1:9/hook',
    events: ['email.sent', 'email.failed'],
    description: 'orders service',
    enabled: true,
    disabledReason: null,
    failingSince: null,
    secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{32}$/),
  });
  const got = await client.request('GET', `/v1/webhooks/${created.body.id}`);
  const listed = await client.request('GET', '/v1/webhooks');
  expect(got.body).not.toHaveProperty('secret');
  expect(listed.body.data).toEqual([got.body]);
  expect(JSON.stringify([got.body, listed.body])).not.toContain(created.body.secret);
});

test.each([
  [{ ...body, events: [] }, 'events'],
  [{ ...body, events: ['email.opened'] }, 'events.0'],
  [{ ...body, url: 'not a url' }, 'url'],
  [{ ...body, url: 'ftp://hooks.example.com/x' }, 'url'],
  [{ ...body, url: 'https://user:pw@hooks.example.com/x' }, 'url'],
  [{ ...body, secret: 'whsec_mine' }, '(root)'],
])('an invalid body is a 400 naming the field (%j)', async (bad, path) => {
  const client = await stack.tenant();
  const answer = await client.request('POST', '/v1/webhooks', bad);
  expect(answer.status).toBe(400);
  expect(answer.body.error.code).toBe('validation_failed');
  expect(answer.body.error.details.issues.map((i: { path: string }) => i.path)).toContain(path);
});

test('without WEBHOOK_ALLOW_HTTP and WEBHOOK_ALLOW_PRIVATE: http and private address literals are refused, https names accepted', async () => {
  const client = await strict.tenant();
  for (const url of ['http://hooks.example.com/x', 'https://127.0.0.1/x', 'https://10.1.2.3/x', 'https://169.254.169.254/latest', 'https://[::1]/x']) {
    const answer = await client.request('POST', '/v1/webhooks', { url, events: ['email.sent'] });
    expect([url, answer.status, answer.body.error?.details?.issues?.[0]?.path]).toEqual([url, 400, 'url']);
  }
  expect((await client.request('POST', '/v1/webhooks', { url: 'https://hooks.example.com/x', events: ['email.sent'] })).status).toBe(201);
  // A PATCH is held to the same rules.
  const created = await client.request('POST', '/v1/webhooks', { url: 'https://hooks.example.com/y', events: ['email.sent'] });
  expect((await client.request('PATCH', `/v1/webhooks/${created.body.id}`, { url: 'https://192.168.0.1/' })).status).toBe(400);
});

test('PATCH changes what is given; disabling says so; re-enabling clears the reason and the failure streak', async () => {
  const client = await stack.tenant();
  const { body: endpoint } = await client.request('POST', '/v1/webhooks', body);
  const patched = await client.request('PATCH', `/v1/webhooks/${endpoint.id}`, { events: ['email.scheduled'], description: null });
  expect(patched.body).toMatchObject({ url: body.url, events: ['email.scheduled'], description: null, enabled: true });
  expect((await client.request('PATCH', `/v1/webhooks/${endpoint.id}`, {})).status).toBe(400);

  const disabled = await client.request('PATCH', `/v1/webhooks/${endpoint.id}`, { enabled: false });
  expect(disabled.body).toMatchObject({ enabled: false, disabledReason: 'disabled through the API', disabledAt: expect.any(String) });
  // As the dispatcher leaves an endpoint it disabled: a reason and a streak.
  await stack.db.webhookEndpoint.update({ where: { id: BigInt(endpoint.id) }, data: { disabledReason: 'no successful delivery since …', failingSince: new Date(Date.now() - 86_400_000) } });
  const enabled = await client.request('PATCH', `/v1/webhooks/${endpoint.id}`, { enabled: true });
  expect(enabled.body).toMatchObject({ enabled: true, disabledReason: null, disabledAt: null, failingSince: null });
});

test('rotating the secret answers the new one once and keeps the old one signing for the grace period', async () => {
  const client = await stack.tenant();
  const { body: endpoint } = await client.request('POST', '/v1/webhooks', body);
  const rotated = await client.request('POST', `/v1/webhooks/${endpoint.id}/rotate-secret`);
  expect(rotated.status).toBe(200);
  expect(rotated.body.secret).toMatch(/^whsec_/);
  expect(rotated.body.secret).not.toBe(endpoint.secret);
  const grace = Date.parse(rotated.body.previousSecretExpiresAt) - Date.now();
  expect(grace).toBeGreaterThan(23.9 * 3_600_000);
  expect(grace).toBeLessThanOrEqual(24 * 3_600_000);
  const row = await stack.db.webhookEndpoint.findUniqueOrThrow({ where: { id: BigInt(endpoint.id) } });
  expect([row.secret, row.previousSecret]).toEqual([rotated.body.secret, endpoint.secret]);
  expect(await client.request('GET', `/v1/webhooks/${endpoint.id}`)).not.toHaveProperty('body.secret');
});

test('DELETE answers 204, then the endpoint is gone (404), its deliveries with it', async () => {
  const client = await stack.tenant();
  const { body: endpoint } = await client.request('POST', '/v1/webhooks', { ...body, events: ['email.scheduled'] });
  await client.request('POST', '/v1/emails', { from: 'a@acme.test', to: ['ann@example.com'], text: 'x', sendAt: new Date(Date.now() + 3_600_000).toISOString() });
  expect(await stack.db.webhookDelivery.count({ where: { endpointId: BigInt(endpoint.id) } })).toBe(1);
  expect((await client.request('DELETE', `/v1/webhooks/${endpoint.id}`)).status).toBe(204);
  expect((await client.request('GET', `/v1/webhooks/${endpoint.id}`)).status).toBe(404);
  expect((await client.request('DELETE', `/v1/webhooks/${endpoint.id}`)).status).toBe(404);
  expect(await stack.db.webhookDelivery.count({ where: { endpointId: BigInt(endpoint.id) } })).toBe(0);
});

test('redeliver: new pending deliveries to the subscribed enabled endpoints, or to the one named', async () => {
  const client = await stack.tenant();
  const { body: scheduled } = await client.request('POST', '/v1/webhooks', { ...body, events: ['email.scheduled'] });
  const { body: other } = await client.request('POST', '/v1/webhooks', { ...body, events: ['email.sent'] });
  await client.request('POST', '/v1/webhooks', { ...body, events: ['email.scheduled'], enabled: false });
  const email = await client.request('POST', '/v1/emails', { from: 'a@acme.test', to: ['ann@example.com'], text: 'x', sendAt: new Date(Date.now() + 3_600_000).toISOString() });
  const [event] = (await client.request('GET', `/v1/events?emailId=${email.body.id}`)).body.data;

  const all = await client.request('POST', `/v1/events/${event.id}/redeliver`);
  expect(all.status).toBe(202);
  expect(all.body).toEqual({ eventId: event.id, deliveries: [{ id: expect.any(String), endpointId: scheduled.id }] });
  const one = await client.request('POST', `/v1/events/${event.id}/redeliver`, { endpointId: other.id });
  expect(one.body.deliveries).toEqual([{ id: expect.any(String), endpointId: other.id }]);
  const rows = await stack.db.webhookDelivery.findMany({ where: { id: { in: [...all.body.deliveries, ...one.body.deliveries].map((d: { id: string }) => BigInt(d.id)) } } });
  expect(rows.map((r) => [r.status, r.attempts, r.queued])).toEqual([['pending', 0, false], ['pending', 0, false]]);

  await client.request('PATCH', `/v1/webhooks/${other.id}`, { enabled: false });
  expect((await client.request('POST', `/v1/events/${event.id}/redeliver`, { endpointId: other.id })).status).toBe(409);
  expect((await client.request('POST', `/v1/events/evt_${'0'.repeat(32)}/redeliver`)).status).toBe(404);
  expect((await client.request('POST', `/v1/events/${event.id}/redeliver`, { endpointId: 'x' })).status).toBe(404);
});

test("another tenant's endpoints, attempts and events answer 404, exactly like missing ones", async () => {
  const owner = await stack.tenant();
  const intruder = await stack.tenant();
  const { body: endpoint } = await owner.request('POST', '/v1/webhooks', { ...body, events: ['email.scheduled'] });
  const email = await owner.request('POST', '/v1/emails', { from: 'a@acme.test', to: ['ann@example.com'], text: 'x', sendAt: new Date(Date.now() + 3_600_000).toISOString() });
  const [event] = (await owner.request('GET', `/v1/events?emailId=${email.body.id}`)).body.data;
  const { body: mine } = await intruder.request('POST', '/v1/webhooks', { ...body, events: ['email.scheduled'] });

  const attempts: [string, string, unknown?][] = [
    ['GET', `/v1/webhooks/${endpoint.id}`],
    ['PATCH', `/v1/webhooks/${endpoint.id}`, { enabled: false }],
    ['DELETE', `/v1/webhooks/${endpoint.id}`],
    ['POST', `/v1/webhooks/${endpoint.id}/rotate-secret`],
    ['GET', `/v1/webhooks/${endpoint.id}/attempts`],
    ['GET', `/v1/events/${event.id}`],
    ['POST', `/v1/events/${event.id}/redeliver`],
    ['POST', `/v1/events/${event.id}/redeliver`, { endpointId: mine.id }],
  ];
  for (const [method, path, payload] of attempts) {
    const theirs = await intruder.request(method, path, payload);
    const missing = await intruder.request(method, path.replace(endpoint.id, '999999999').replace(event.id, `evt_${'f'.repeat(32)}`), payload);
    expect([method, path, theirs.status, theirs.body.error.code]).toEqual([method, path, 404, 'not_found']);
    expect(theirs.body.error.message.replace(/\d+|evt_\w+/g, '#')).toBe(missing.body.error.message.replace(/\d+|evt_\w+/g, '#'));
  }
  // The intruder's own endpoint cannot be given the owner's event either.
  expect((await owner.request('POST', `/v1/events/${event.id}/redeliver`, { endpointId: mine.id })).status).toBe(404);
  expect((await intruder.request('GET', '/v1/webhooks')).body.data.map((e: { id: string }) => e.id)).toEqual([mine.id]);
  const row = await stack.db.webhookEndpoint.findUniqueOrThrow({ where: { id: BigInt(endpoint.id) } });
  expect(row).toMatchObject({ enabled: true, secret: expect.any(String) });
});
