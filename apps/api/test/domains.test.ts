import { startDnsServer, type ApiClient, type DnsServer } from '@postdate/test-support';
import { startTestApi, type TestApi } from './support/test-api';

// The domains API with verified domains required: register, publish (in a DNS server of the test's own on
// 127.0.0.1), verify; From refused on anything else at create, batch and edit; tenants kept apart.

let stack: TestApi;
let dns: DnsServer;

beforeAll(async () => {
  dns = await startDnsServer();
  stack = await startTestApi({
    apiOverrides: { REQUIRE_VERIFIED_DOMAIN: 'true', DNS_SERVERS: dns.server, SPF_INCLUDE: 'include:_spf.relay.example' },
  });
});
afterAll(async () => {
  await stack?.close();
  await dns?.close();
});

interface DomainBody {
  id: string;
  name: string;
  status: string;
  records: { purpose: string; name: string; value: string; status: string; required: boolean }[];
}

async function register(client: ApiClient, name: string): Promise<DomainBody> {
  const answer = await client.request('POST', '/v1/domains', { name });
  expect(answer.status).toBe(201);
  return answer.body;
}

async function registerAndVerify(client: ApiClient, name: string): Promise<DomainBody> {
  const domain = await register(client, name);
  for (const record of domain.records) dns.publishTxt(record.name, record.value);
  const verified = await client.request('POST', `/v1/domains/${domain.id}/verify`);
  expect(verified.body.status).toBe('verified');
  return verified.body;
}

const email = (from: string, extra: Record<string, unknown> = {}) => ({ from, to: ['ann@example.com'], text: 'hi', sendAt: new Date(Date.now() + 3_600_000).toISOString(), ...extra });

test('registering answers the records to publish; verifying looks them up and says what it found', async () => {
  const client = await stack.tenant();
  const domain = await register(client, 'Records.Example.Test');
  expect(domain).toMatchObject({ object: 'domain', name: 'records.example.test', status: 'pending', verifiedAt: null, unverifiedSince: null });
  const [dkim, spf] = domain.records;
  expect(dkim).toEqual({
    purpose: 'dkim',
    type: 'TXT',
    name: expect.stringMatching(/^pd[0-9a-f]{10}\._domainkey\.records\.example\.test$/),
    value: expect.stringMatching(/^v=DKIM1; k=rsa; p=MII[A-Za-z0-9+/=]{380,}$/),
    required: true,
    status: 'unchecked',
  });
  expect(spf).toEqual({ purpose: 'spf', type: 'TXT', name: 'records.example.test', value: 'v=spf1 include:_spf.relay.example ~all', required: false, status: 'unchecked' });

  const unpublished = await client.request('POST', `/v1/domains/${domain.id}/verify`);
  expect(unpublished.body).toMatchObject({ status: 'pending', records: [{ status: 'missing' }, { status: 'missing' }] });

  // DKIM alone verifies a domain; SPF is reported, not required.
  dns.publishTxt(dkim!.name, dkim!.value);
  const verified = await client.request('POST', `/v1/domains/${domain.id}/verify`);
  expect(verified.body).toMatchObject({ status: 'verified', verifiedAt: expect.any(String), records: [{ status: 'verified' }, { status: 'missing' }] });
  expect((await client.request('GET', `/v1/domains/${domain.id}`)).body).toEqual(verified.body);
  expect((await client.request('GET', '/v1/domains')).body.data).toEqual([verified.body]);
});

test('From must be on a verified domain or a subdomain of one: create, batch and edit name the domain; replyTo is free', async () => {
  const client = await stack.tenant();
  await registerAndVerify(client, 'shop.test');
  await register(client, 'unpublished.test');

  const ok = await client.request('POST', '/v1/emails', email('Shop <orders@eu.shop.test>', { replyTo: 'support@helpdesk.example' }));
  expect(ok.status).toBe(201);
  for (const [from, domain] of [['x@unpublished.test', 'unpublished.test'], ['x@elsewhere.test', 'elsewhere.test'], ['x@notshop.test', 'notshop.test']]) {
    const refused = await client.request('POST', '/v1/emails', email(from!));
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'validation_failed', message: expect.stringContaining(`from: ${domain} is not a verified domain of this account`) });
  }

  const batch = await client.request('POST', '/v1/emails/batch', { emails: [email('a@shop.test'), email('b@elsewhere.test')] });
  expect(batch.status).toBe(400);
  expect(batch.body.error.message).toMatch(/^invalid emails\[1\]: from: elsewhere.test is not a verified domain/);
  expect((await client.request('GET', '/v1/emails')).body.data).toHaveLength(1);

  const edit = await client.request('PATCH', `/v1/emails/${ok.body.id}`, { from: 'x@elsewhere.test' });
  expect(edit.status).toBe(400);
  expect(edit.body.error.message).toContain('elsewhere.test');
  expect((await client.request('PATCH', `/v1/emails/${ok.body.id}`, { from: 'y@shop.test' })).status).toBe(200);
});

test("another tenant's domain is not found, cannot be sent from, and cannot be registered — without saying whose it is", async () => {
  const owner = await stack.tenant('domain-owner-corp');
  const other = await stack.tenant();
  const domain = await registerAndVerify(owner, 'owned.test');

  for (const [method, path] of [['GET', `/v1/domains/${domain.id}`], ['POST', `/v1/domains/${domain.id}/verify`], ['DELETE', `/v1/domains/${domain.id}`]] as const) {
    expect([method, (await other.request(method, path)).status]).toEqual([method, 404]);
  }
  expect((await other.request('GET', '/v1/domains')).body.data).toEqual([]);
  expect((await other.request('POST', '/v1/emails', email('ceo@owned.test'))).status).toBe(400);

  const taken = await other.request('POST', '/v1/domains', { name: 'OWNED.test' });
  expect(taken.status).toBe(409);
  expect(taken.body).toEqual({ error: { code: 'conflict', message: 'owned.test is registered to another account' } });
  expect(JSON.stringify(taken.body)).not.toMatch(/domain-owner-corp|"id"/);
  expect((await owner.request('POST', '/v1/domains', { name: 'owned.test' })).body.error).toMatchObject({ code: 'conflict', details: { id: domain.id } });
});

test('deleting a domain stops its From at once; invalid names are refused; unknown ids are not found', async () => {
  const client = await stack.tenant();
  const domain = await registerAndVerify(client, 'brief.test');
  expect((await client.request('POST', '/v1/emails', email('a@brief.test'))).status).toBe(201);
  expect((await client.request('DELETE', `/v1/domains/${domain.id}`)).status).toBe(204);
  expect((await client.request('DELETE', `/v1/domains/${domain.id}`)).status).toBe(404);
  expect((await client.request('POST', '/v1/emails', email('a@brief.test'))).status).toBe(400);

  for (const name of ['localhost', '10.0.0.1', 'exa mple.test', 'a..test', '-x.test', `${'a'.repeat(64)}.test`]) {
    expect([name, (await client.request('POST', '/v1/domains', { name })).status]).toEqual([name, 400]);
  }
  expect((await client.request('POST', '/v1/domains', { name: 'x.test', selector: 'mine' })).status).toBe(400);
  for (const id of ['0', 'abc', '99999999999999999999']) expect((await client.request('GET', `/v1/domains/${id}`)).status).toBe(404);
});

test('no answer ever carries a private key', async () => {
  const client = await stack.tenant();
  const domain = await registerAndVerify(client, 'secret.test');
  const row = await stack.db.senderDomain.findUniqueOrThrow({ where: { id: BigInt(domain.id) } });
  const answers = [
    domain,
    (await client.request('GET', `/v1/domains/${domain.id}`)).body,
    (await client.request('GET', '/v1/domains')).body,
    (await client.request('POST', `/v1/domains/${domain.id}/verify`)).body,
  ].map((body) => JSON.stringify(body));
  for (const text of answers) {
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toContain(row.dkimPrivateKey.split('.')[4]!.slice(0, 40));
    expect(text).not.toMatch(/"(privateKey|dkimPrivateKey|sealed)"/);
  }
});
