import { Postdate, PostdateApiError, type Email } from '@postdate/client';
import { startDnsServer, type DnsServer } from '@postdate/test-support';
import { startTestStack, type TestStack } from '../support';

// @postdate/client against the real API: every resource method, and the API's errors as typed errors.

let stack: TestStack;
let dns: DnsServer;
let postdate: Postdate;
beforeAll(async () => {
  // Sender domains are verified against a DNS server of this file's own.
  dns = await startDnsServer();
  stack = await startTestStack({ apiOverrides: { DNS_SERVERS: dns.server } });
  postdate = new Postdate({ apiKey: (await stack.tenant()).key, baseUrl: stack.baseUrl });
});
afterAll(async () => {
  await stack?.close();
  await dns?.close();
});

const later = () => new Date(Date.now() + 3_600_000).toISOString();

test('emails: create, get, list, update, removeRecipient, cancel, batch', async () => {
  const created = await postdate.emails.create({ from: 'Acme <noreply@acme.test>', to: ['ann@example.com', 'ben@example.com'], text: 'Hi', sendAt: later(), metadata: { userId: 42 } });
  expect(created).toMatchObject({ object: 'email', status: 'scheduled', version: 1, metadata: { userId: 42 } });
  expect(await postdate.emails.get(created.id)).toEqual(created);

  const edited = await postdate.emails.update(created.id, { subject: 'Welcome', metadata: { step: 2 } });
  expect(edited).toMatchObject({ subject: 'Welcome', version: 2, metadata: { userId: 42, step: 2 } });
  const fewer = await postdate.emails.removeRecipient(created.id, 'ben@example.com');
  expect(fewer.recipients.map((r) => r.address)).toEqual(['ann@example.com']);
  expect((await postdate.emails.cancel(created.id)).status).toBe('canceled');
  // A lost answer to a cancel may be asked for again: the same email, still canceled.
  expect((await postdate.emails.cancel(created.id)).status).toBe('canceled');

  const batch = await postdate.emails.batch([
    { from: 'noreply@acme.test', to: ['cy@example.com'], text: '1', idempotencyKey: 'mine' },
    { from: 'noreply@acme.test', to: ['dee@example.com'], text: '2' },
  ]);
  expect([batch.created, batch.replayed, batch.data.map((e) => e.replayed)]).toEqual([2, 0, [false, false]]);

  const first = await postdate.emails.list({ limit: 2 });
  expect(first.data).toHaveLength(2);
  const rest = await postdate.emails.list({ limit: 2, cursor: first.nextCursor! });
  const ids = [...first.data, ...rest.data].map((e: Email) => e.id);
  expect(new Set(ids).size).toBe(3);
  expect((await postdate.emails.list({ status: 'canceled' })).data.map((e) => e.id)).toEqual([created.id]);
});

test('events: list by email and type, get one', async () => {
  const email = await postdate.emails.create({ from: 'noreply@acme.test', to: ['eve@example.com'], text: 'x', sendAt: later() });
  await postdate.emails.cancel(email.id);
  const page = await postdate.events.list({ emailId: email.id });
  expect(page.data.map((e) => e.type)).toEqual(['email.canceled', 'email.scheduled']);
  expect((await postdate.events.list({ emailId: email.id, type: 'email.canceled' })).data).toHaveLength(1);
  expect(await postdate.events.get(page.data[0]!.id)).toEqual(page.data[0]);
});

test('webhooks: create, list, get, update, rotateSecret, attempts, remove; an event redelivered to one', async () => {
  // Nothing listens at this URL: the endpoint is registered, not reached, in this test.
  const endpoint = await postdate.webhooks.create({ url: 'http://127.0.0.1:9/hooks', events: ['email.scheduled'], description: 'orders' });
  expect(endpoint).toMatchObject({ object: 'webhook_endpoint', enabled: true, secret: expect.stringMatching(/^whsec_/) });
  expect((await postdate.webhooks.list()).data.map((e) => e.id)).toEqual([endpoint.id]);
  expect(await postdate.webhooks.get(endpoint.id)).not.toHaveProperty('secret');
  expect((await postdate.webhooks.update(endpoint.id, { description: 'billing' })).description).toBe('billing');
  const rotated = await postdate.webhooks.rotateSecret(endpoint.id);
  expect(rotated.secret).not.toBe(endpoint.secret);
  expect((await postdate.webhooks.attempts(endpoint.id, { limit: 5 })).data).toEqual([]);

  const email = await postdate.emails.create({ from: 'noreply@acme.test', to: ['hal@example.com'], text: 'x', sendAt: later() });
  const [scheduled] = (await postdate.events.list({ emailId: email.id })).data;
  const redelivery = await postdate.events.redeliver(scheduled!.id, { endpointId: endpoint.id });
  expect(redelivery).toMatchObject({ eventId: scheduled!.id, deliveries: [expect.objectContaining({ endpointId: endpoint.id })] });

  await expect(postdate.webhooks.remove(endpoint.id)).resolves.toBeUndefined();
  await expect(postdate.webhooks.get(endpoint.id)).rejects.toMatchObject({ status: 404, code: 'not_found' });
});

test('domains: register, get, verify once the record is published, list, remove', async () => {
  const domain = await postdate.domains.register({ name: 'client.test' });
  expect(domain).toMatchObject({ object: 'domain', name: 'client.test', status: 'pending' });
  expect(await postdate.domains.get(domain.id)).toEqual(domain);
  const dkim = domain.records.find((record) => record.purpose === 'dkim')!;
  dns.publishTxt(dkim.name, dkim.value);
  expect((await postdate.domains.verify(domain.id)).status).toBe('verified');
  expect((await postdate.domains.list()).data.map((d) => d.name)).toEqual(['client.test']);
  await expect(postdate.domains.remove(domain.id)).resolves.toBeUndefined();
  await expect(postdate.domains.get(domain.id)).rejects.toMatchObject({ status: 404, code: 'not_found' });
});

test('suppressions: add, list, remove', async () => {
  const added = await postdate.suppressions.add({ address: 'fay@example.com', reason: 'complaint' });
  expect(added).toMatchObject({ object: 'suppression', address: 'fay@example.com', reason: 'complaint', source: 'api' });
  expect((await postdate.suppressions.list()).data.map((s) => s.address)).toEqual(['fay@example.com']);
  await expect(postdate.suppressions.remove('fay@example.com')).resolves.toBeUndefined();
  expect((await postdate.suppressions.list()).data).toEqual([]);
});

test("the API's errors are PostdateApiErrors carrying the envelope's code, details and request id", async () => {
  const missing = await postdate.emails.get('999999999').catch((error: unknown) => error);
  expect(missing).toBeInstanceOf(PostdateApiError);
  expect(missing).toMatchObject({ status: 404, code: 'not_found', requestId: expect.any(String) });

  const invalid = (await postdate.emails.create({ from: 'not an address', to: [], text: 'x' }).catch((error: unknown) => error)) as PostdateApiError;
  expect([invalid.status, invalid.code]).toEqual([400, 'validation_failed']);
  expect(invalid.details).toMatchObject({ issues: expect.arrayContaining([expect.objectContaining({ path: 'to' })]) });

  const email = await postdate.emails.create({ from: 'noreply@acme.test', to: ['gus@example.com'], text: 'x', sendAt: later() });
  await stack.db.scheduledEmail.update({ where: { id: BigInt(email.id) }, data: { status: 'sent' } });
  const conflict = (await postdate.emails.cancel(email.id).catch((error: unknown) => error)) as PostdateApiError;
  expect([conflict.status, conflict.code, conflict.details]).toEqual([409, 'conflict', expect.objectContaining({ status: 'sent' })]);

  const anonymous = new Postdate({ apiKey: 'pd_not_a_key', baseUrl: stack.baseUrl });
  await expect(anonymous.emails.list()).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
});
