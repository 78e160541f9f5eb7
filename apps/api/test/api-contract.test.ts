import { startApi, type RunningApi } from '@postdate/api/start';
import { holdQuotaLock } from '@postdate/db/testing';
import { apiConfig, freePort, startDnsServer, type ApiClient, type DnsServer } from '@postdate/test-support';
import { openApiContract, type Contract } from './support/openapi-contract';
import { silentLogger, startTestApi, type TestApi } from './support/test-api';

// The contract: a walk of every documented endpoint, its success answers and each error it documents,
// against the running API. Every answer is validated against the document the API serves; an answer whose
// status, content type, headers or body the document does not describe fails here. The last test checks
// that the walk saw every documented answer.

let stack: TestApi;
let rateLimited: RunningApi;
let redisless: RunningApi;
let contract: Contract;
let client: ApiClient;
let dns: DnsServer;
const seen = new Set<string>();

beforeAll(async () => {
  // A small body limit, for the 413; a short statement timeout, for the 503 of a create stuck behind a lock.
  // The limit on failed authentications off: the walk makes one for every operation.
  // Sender domains are verified against a DNS server of the walk's own.
  dns = await startDnsServer();
  stack = await startTestApi({ apiOverrides: { BODY_LIMIT_BYTES: '65536', DATABASE_STATEMENT_TIMEOUT_MS: '1500', AUTH_FAILURES_PER_MINUTE: '0', DNS_SERVERS: dns.server } });
  rateLimited = await startApi(apiConfig(stack, { RATE_LIMIT_PER_MINUTE: '1' }), silentLogger());
  // Redis on a port nothing listens on: /readyz answers 503.
  redisless = await startApi(apiConfig({ ...stack, redisUrl: `redis://127.0.0.1:${await freePort()}` }), silentLogger());
  contract = openApiContract((await (await fetch(`${stack.baseUrl}/openapi.json`)).json()) as Record<string, unknown>);
  client = await stack.tenant();
});
afterAll(async () => {
  await rateLimited?.stop();
  await redisless?.stop();
  await stack?.close();
  await dns?.close();
});

interface Call {
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  /** Whose key: the walk's tenant by default; null for none. */
  key?: string | null;
  baseUrl?: string;
}

async function call(method: string, path: string, options: Call = {}) {
  const key = options.key === undefined ? client.key : options.key;
  const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const response = await fetch(`${options.baseUrl ?? stack.baseUrl}${path}`, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers },
    ...(body !== undefined ? { body } : {}),
  });
  const text = await response.text();
  const checked = contract.check(method, path, { status: response.status, headers: response.headers, text });
  seen.add(checked.key);
  expect(checked.problems).toEqual([]);
  const json = response.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text;
  return { status: response.status, headers: response.headers, body: json };
}

const later = () => new Date(Date.now() + 3_600_000).toISOString();
const newEmail = (to = 'ann@example.com') => ({ from: 'Acme <noreply@acme.test>', to: [to], subject: 'Hi', text: 'Hello', sendAt: later(), metadata: { n: 1 } });
const setStatus = (id: string, status: 'sent' | 'sending') => stack.db.scheduledEmail.update({ where: { id: BigInt(id) }, data: { status } });

test('emails: create, replay, mismatch, read, list, edit, cancel, remove a recipient', async () => {
  const email = newEmail();
  const created = await call('POST', '/v1/emails', { body: email, headers: { 'Idempotency-Key': 'contract-1' } });
  expect(created.status).toBe(201);
  const id: string = created.body.id;
  expect((await call('POST', '/v1/emails', { body: email, headers: { 'Idempotency-Key': 'contract-1' } })).status).toBe(200);
  expect((await call('POST', '/v1/emails', { body: newEmail('ben@example.com'), headers: { 'Idempotency-Key': 'contract-1' } })).status).toBe(422);
  expect((await call('POST', '/v1/emails', { body: { ...newEmail(), colour: 'red' } })).status).toBe(400);
  expect((await call('POST', '/v1/emails', { raw: '{"from":' })).status).toBe(400);
  expect((await call('POST', '/v1/emails', { raw: JSON.stringify({ ...newEmail(), text: 'x'.repeat(70_000) }) })).status).toBe(413);
  expect((await call('POST', '/v1/emails', { raw: JSON.stringify(newEmail()), headers: { 'content-type': 'application/json; charset=klingon' } })).status).toBe(415);

  expect((await call('GET', `/v1/emails/${id}`)).status).toBe(200);
  expect((await call('GET', '/v1/emails/999999999')).status).toBe(404);
  expect((await call('GET', '/v1/emails?status=scheduled&limit=1')).body.data).toHaveLength(1);
  expect((await call('GET', '/v1/emails?limit=0')).status).toBe(400);

  const edited = await call('PATCH', `/v1/emails/${id}`, { body: { subject: 'Edited', to: ['ann@example.com', 'ben@example.com'] } });
  expect(edited.body.version).toBe(2);
  expect((await call('PATCH', `/v1/emails/${id}`, { body: {} })).status).toBe(400);
  expect((await call('PATCH', '/v1/emails/999999999', { body: { subject: 'x' } })).status).toBe(404);

  expect((await call('DELETE', `/v1/emails/${id}/recipients/ben%40example.com`)).body.recipients).toHaveLength(1);
  expect((await call('DELETE', `/v1/emails/${id}/recipients/${'a'.repeat(600)}`)).status).toBe(400);
  expect((await call('DELETE', '/v1/emails/999999999/recipients/ann%40example.com')).status).toBe(404);

  expect((await call('POST', `/v1/emails/${id}/cancel`)).body.status).toBe('canceled');
  expect((await call('POST', '/v1/emails/999999999/cancel')).status).toBe(404);

  // A sent email refuses every change.
  const sent = (await call('POST', '/v1/emails', { body: newEmail() })).body.id as string;
  await setStatus(sent, 'sent');
  expect((await call('PATCH', `/v1/emails/${sent}`, { body: { subject: 'late' } })).status).toBe(409);
  expect((await call('POST', `/v1/emails/${sent}/cancel`)).status).toBe(409);
  expect((await call('DELETE', `/v1/emails/${sent}/recipients/ann%40example.com`)).status).toBe(409);
});

test('batch: created, all replayed, invalid item, idempotency mismatch', async () => {
  const batch = { emails: [{ ...newEmail(), idempotencyKey: 'b1' }, { ...newEmail('ben@example.com'), idempotencyKey: 'b2' }] };
  // Sent twice as it is: the same bodies, so the second time every email is a replay.
  expect((await call('POST', '/v1/emails/batch', { body: batch })).status).toBe(201);
  expect((await call('POST', '/v1/emails/batch', { body: batch })).body).toMatchObject({ created: 0, replayed: 2 });
  expect((await call('POST', '/v1/emails/batch', { body: { emails: [{ ...newEmail(), to: [] }] } })).status).toBe(400);
  expect((await call('POST', '/v1/emails/batch', { body: { emails: [{ ...newEmail('cy@example.com'), idempotencyKey: 'b1' }] } })).status).toBe(422);
});

test('events: list, read, an unknown type, an unknown id', async () => {
  const page = await call('GET', '/v1/events?limit=2');
  expect(page.body.data.length).toBeGreaterThan(0);
  expect((await call('GET', `/v1/events/${page.body.data[0].id}`)).status).toBe(200);
  expect((await call('GET', '/v1/events?type=email.opened')).status).toBe(400);
  expect((await call('GET', '/v1/events/evt_00000000000000000000000000000000')).status).toBe(404);
});

test('suppressions: add, update, list, remove, remove again, invalid', async () => {
  expect((await call('POST', '/v1/suppressions', { body: { address: 'dan@example.com', reason: 'complaint' } })).status).toBe(201);
  expect((await call('POST', '/v1/suppressions', { body: { address: 'dan@example.com', reason: 'manual' } })).status).toBe(200);
  expect((await call('POST', '/v1/suppressions', { body: { address: 'Dan <dan@example.com>' } })).status).toBe(400);
  expect((await call('GET', '/v1/suppressions?limit=5')).body.data).toHaveLength(1);
  expect((await call('GET', '/v1/suppressions?cursor=x')).status).toBe(400);
  expect((await call('DELETE', '/v1/suppressions/dan%40example.com')).status).toBe(204);
  expect((await call('DELETE', '/v1/suppressions/dan%40example.com')).status).toBe(404);
});

test('webhooks: create, list, read, edit, rotate, attempts, redeliver, delete, and their errors', async () => {
  const created = await call('POST', '/v1/webhooks', { body: { url: 'http://127.0.0.1:9/hook', events: ['email.scheduled'], description: 'contract' } });
  expect(created.status).toBe(201);
  const id: string = created.body.id;
  expect((await call('POST', '/v1/webhooks', { body: { url: 'ftp://hooks.example.com/', events: ['email.sent'] } })).status).toBe(400);
  expect((await call('GET', '/v1/webhooks')).body.data).toHaveLength(1);
  expect((await call('GET', `/v1/webhooks/${id}`)).status).toBe(200);
  expect((await call('GET', '/v1/webhooks/999999999')).status).toBe(404);
  expect((await call('PATCH', `/v1/webhooks/${id}`, { body: { description: null } })).status).toBe(200);
  expect((await call('PATCH', `/v1/webhooks/${id}`, { body: {} })).status).toBe(400);
  expect((await call('PATCH', '/v1/webhooks/999999999', { body: { enabled: true } })).status).toBe(404);
  expect((await call('POST', `/v1/webhooks/${id}/rotate-secret`)).status).toBe(200);
  expect((await call('POST', '/v1/webhooks/999999999/rotate-secret')).status).toBe(404);

  const [event] = (await call('GET', '/v1/events?limit=1')).body.data;
  const redelivered = await call('POST', `/v1/events/${event.id}/redeliver`, { body: { endpointId: id } });
  expect(redelivered.status).toBe(202);
  expect((await call('POST', `/v1/events/${event.id}/redeliver`, { body: { endpoint: id } })).status).toBe(400);
  expect((await call('POST', '/v1/events/evt_00000000000000000000000000000000/redeliver')).status).toBe(404);
  // One POST, as the dispatcher logs it, for the attempts page to show.
  await stack.db.webhookAttempt.create({
    data: { tenantId: client.tenantId, deliveryId: BigInt(redelivered.body.deliveries[0].id), endpointId: BigInt(id), attempt: 1, workerId: 'contract', finishedAt: new Date(), durationMs: 12, statusCode: 200, responseBody: 'ok', outcome: 'delivered' },
  });
  expect((await call('GET', `/v1/webhooks/${id}/attempts?limit=5`)).body.data).toHaveLength(1);
  expect((await call('GET', `/v1/webhooks/${id}/attempts?cursor=x`)).status).toBe(400);
  expect((await call('GET', '/v1/webhooks/999999999/attempts')).status).toBe(404);

  expect((await call('PATCH', `/v1/webhooks/${id}`, { body: { enabled: false } })).body.disabledReason).toBe('disabled through the API');
  expect((await call('POST', `/v1/events/${event.id}/redeliver`, { body: { endpointId: id } })).status).toBe(409);
  expect((await call('DELETE', `/v1/webhooks/${id}`)).status).toBe(204);
  expect((await call('DELETE', `/v1/webhooks/${id}`)).status).toBe(404);
});

test('domains: register, list, read, verify, delete, and their errors', async () => {
  const publish = (domain: { records: { name: string; value: string }[] }) => dns.publishTxt(domain.records[0]!.name, domain.records[0]!.value);
  const other = await stack.tenant();
  // Another tenant registers the name first; pending, it squats nothing: ours verifies first, theirs is a 409.
  const theirs = (await call('POST', '/v1/domains', { key: other.key, body: { name: 'contract.test' } })).body;
  const created = await call('POST', '/v1/domains', { body: { name: 'contract.test' } });
  expect(created.status).toBe(201);
  const id: string = created.body.id;
  expect((await call('POST', '/v1/domains', { body: { name: 'contract.test' } })).status).toBe(409);
  expect((await call('POST', '/v1/domains', { body: { name: 'not a domain' } })).status).toBe(400);
  expect((await call('GET', '/v1/domains')).body.data).toHaveLength(1);
  expect((await call('GET', `/v1/domains/${id}`)).status).toBe(200);
  expect((await call('GET', '/v1/domains/999999999')).status).toBe(404);
  publish(created.body);
  expect((await call('POST', `/v1/domains/${id}/verify`)).body.status).toBe('verified');
  publish(theirs);
  expect((await call('POST', `/v1/domains/${theirs.id}/verify`, { key: other.key })).status).toBe(409);
  expect((await call('POST', '/v1/domains/999999999/verify')).status).toBe(404);
  expect((await call('DELETE', `/v1/domains/${id}`)).status).toBe(204);
  expect((await call('DELETE', `/v1/domains/${id}`)).status).toBe(404);
});

test('operations: liveness, readiness both ways, metrics', async () => {
  expect((await call('GET', '/healthz', { key: null })).status).toBe(200);
  expect((await call('GET', '/readyz', { key: null })).status).toBe(200);
  expect((await call('GET', '/readyz', { key: null, baseUrl: `http://127.0.0.1:${redisless.port}` })).body.checks.redis).toBe('unavailable');
  expect((await call('GET', '/metrics', { key: null })).status).toBe(200);
});

test('every /v1 call without a key is 401', async () => {
  const samples: Record<string, string> = { '{id}': '1', '{address}': 'ann%40example.com' };
  for (const documented of contract.documented()) {
    const [method, template] = documented.split(' ') as [string, string];
    if (!template.startsWith('/v1/')) continue;
    const path = template.replace(/\{\w+\}/g, (param) => samples[param] ?? 'x');
    expect((await call(method, path, { key: null })).status).toBe(401);
  }
});

test('429: a rate-limited key, and a tenant over its daily quota; 503: a create stuck past the statement timeout', async () => {
  const base = { baseUrl: `http://127.0.0.1:${rateLimited.port}` };
  expect((await call('GET', '/v1/emails', base)).status).toBe(200);
  const limited = await call('GET', '/v1/emails', base);
  expect([limited.status, limited.body.error.code, limited.headers.get('retry-after')]).toEqual([429, 'rate_limited', expect.stringMatching(/^\d+$/)]);

  const quota = await stack.tenant();
  await stack.db.tenant.update({ where: { id: quota.tenantId }, data: { dailyRecipientQuota: 1 } });
  expect((await call('POST', '/v1/emails', { key: quota.key, body: newEmail() })).status).toBe(201);
  expect((await call('POST', '/v1/emails', { key: quota.key, body: newEmail('ben@example.com') })).body.error.code).toBe('quota_exceeded');

  const lock = await holdQuotaLock(stack.db, quota.tenantId);
  try {
    const stuck = await call('POST', '/v1/emails', { key: quota.key, body: newEmail('cy@example.com'), headers: { 'Idempotency-Key': 'stuck' } });
    expect([stuck.status, stuck.body.error.code]).toEqual([503, 'database_unavailable']);
  } finally {
    await lock.release();
  }
});

test('the check is not vacuous: an undocumented field, status, content type or missing header fails it', async () => {
  const email = (await call('GET', `/v1/emails?limit=1`)).body.data[0];
  const json = new Headers({ 'content-type': 'application/json' });
  const problems = (method: string, url: string, status: number, body: unknown, headers = json) =>
    contract.check(method, url, { status, headers, text: typeof body === 'string' ? body : JSON.stringify(body) }).problems;
  expect(problems('GET', `/v1/emails/${email.id}`, 200, email)).toEqual([]);
  expect(problems('GET', `/v1/emails/${email.id}`, 200, { ...email, secret: 1 })).toEqual([expect.stringMatching(/must NOT have additional properties/)]);
  expect(problems('GET', `/v1/emails/${email.id}`, 200, { ...email, status: 'lost' })).toEqual([expect.stringMatching(/must be equal to one of the allowed values/)]);
  expect(problems('GET', `/v1/emails/${email.id}`, 202, email)).toEqual([expect.stringMatching(/status not documented/)]);
  expect(problems('GET', `/v1/emails/${email.id}`, 200, 'hello', new Headers({ 'content-type': 'text/plain' }))).toEqual([expect.stringMatching(/content type text\/plain not documented/)]);
  expect(problems('POST', '/v1/emails', 201, email)).toEqual([expect.stringMatching(/required header Location missing/)]);
  expect(problems('GET', '/v1/nothing', 200, {})).toEqual([expect.stringMatching(/no such operation/)]);
  expect(problems('GET', '/v1/emails/1', 404, { error: { code: 'lost', message: 'x' } })).toEqual([expect.stringMatching(/allowed values/)]);
});

test('the walk saw every documented answer (but 500, a bug by definition)', () => {
  // Answers any /v1 call can give for reasons of its own (its size, its encoding, the key's rate, the
  // database): one operation showing each is enough, and the tests above show them on a create or a list.
  const anyOperation = new Set(['413', '415', '429', '503']);
  const byStatus = (key: string) => key.split(' ')[2]!;
  const seenStatuses = new Set([...seen].filter((key) => key.startsWith('POST /v1/') || key.startsWith('GET /v1/')).map(byStatus));
  const missing = contract
    .documented()
    .filter((key) => byStatus(key) !== '500')
    .filter((key) => !seen.has(key))
    .filter((key) => !(key.includes(' /v1/') && anyOperation.has(byStatus(key)) && seenStatuses.has(byStatus(key))));
  expect(missing).toEqual([]);
});
