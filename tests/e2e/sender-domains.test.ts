import { startDnsServer, startSmtpSink, waitFor, type ApiClient, type DnsServer, type SmtpSink } from '@postdate/test-support';
import { startTestStack, type TestStack } from '../support';

// Sender domains end to end, verified domains required: each tenant publishes its records in an
// authoritative DNS server on 127.0.0.1; the worker signs every message with its From's domain key; the SMTP
// sink verifies every signature with mailauth against that same DNS. A message altered on its way fails.
// A domain deleted, or whose record disappears (found by the sweeper), stops its mail at the claim.

let stack: TestStack;
let dns: DnsServer;
let sink: SmtpSink;

beforeAll(async () => {
  dns = await startDnsServer();
  sink = await startSmtpSink({}, { dkimResolver: dns.resolver });
  // No grace: a lapsed domain stops at once.
  const domains = { REQUIRE_VERIFIED_DOMAIN: 'true', DNS_SERVERS: dns.server, DOMAIN_UNVERIFIED_GRACE_HOURS: '0' };
  stack = await startTestStack({ apiOverrides: domains });
  await stack.startWorker(sink.url, { ...domains, DOMAIN_RECHECK_SECONDS: '1', WORKER_CONCURRENCY: '10' });
}, 60_000);
afterAll(async () => {
  await stack?.close();
  await sink?.close();
  await dns?.close();
});

async function ownDomain(client: ApiClient, name: string): Promise<{ id: string; records: { name: string; value: string }[] }> {
  const domain = (await client.request('POST', '/v1/domains', { name })).body;
  dns.publishTxt(domain.records[0].name, domain.records[0].value);
  expect((await client.request('POST', `/v1/domains/${domain.id}/verify`)).body.status).toBe('verified');
  return domain;
}

async function settled(client: ApiClient, id: string) {
  return waitFor(`email ${id} to settle`, async () => {
    const got = await client.request('GET', `/v1/emails/${id}`);
    return ['sent', 'failed'].includes(got.body.status) ? got.body : null;
  }, 30_000);
}

const message = (from: string, i: number, subject = `message ${i}`) => ({ from, to: [`rcpt-${i}@example.com`], subject, text: `body ${i}`, html: `<p>body ${i}</p>` });

test('100 emails from two tenants\' domains: every one signed with its own domain\'s key, every signature verifies', async () => {
  const alpha = await stack.tenant();
  const beta = await stack.tenant();
  await ownDomain(alpha, 'alpha.test');
  await ownDomain(beta, 'beta.test');
  const batches = await Promise.all([
    alpha.request('POST', '/v1/emails/batch', { emails: Array.from({ length: 50 }, (_, i) => message(`Alpha <news@alpha.test>`, i)) }),
    beta.request('POST', '/v1/emails/batch', { emails: Array.from({ length: 50 }, (_, i) => message(`billing@eu.beta.test`, i)) }),
  ]);
  const messageIds = new Map<string, string>();
  for (const [batch, domain] of [[batches[0], 'alpha.test'], [batches[1], 'beta.test']] as const) {
    expect(batch.status).toBe(201);
    for (const email of batch.body.data) messageIds.set(`<postdate.${email.id}@postdate.test>`, domain);
  }
  await waitFor('100 emails at the sink', () => [...messageIds.keys()].every((id) => sink.accepted.some((m) => m.messageId === id)), 60_000);

  const verdicts = sink.accepted.filter((m) => messageIds.has(m.messageId)).map((m) => ({ domain: messageIds.get(m.messageId), dkim: m.dkim }));
  expect(verdicts).toHaveLength(100);
  for (const { domain, dkim } of verdicts) {
    expect(dkim).toEqual([expect.objectContaining({ status: 'pass', domain, canonicalization: 'relaxed/relaxed' })]);
  }
});

test('a message altered in transit fails verification', async () => {
  const client = await stack.tenant();
  await ownDomain(client, 'altered.test');
  sink.behaviour.tamper = (raw) => (raw.includes('Subject: tampered') ? raw.replace('body 1', 'body 1 and a link to somewhere else') : raw);
  try {
    const email = (await client.request('POST', '/v1/emails', message('a@altered.test', 1, 'tampered'))).body;
    const sent = await settled(client, email.id);
    const received = sink.accepted.find((m) => m.messageId === sent.messageId)!;
    // mailauth's word for a body that no longer matches its signed hash (RFC 8601's neutral: not a pass).
    expect(received.dkim).toEqual([expect.objectContaining({ status: 'neutral', domain: 'altered.test', comment: 'body hash did not verify' })]);
  } finally {
    delete sink.behaviour.tamper;
  }
});

test('a domain deleted after its email was scheduled: the claim fails it as domain_unverified, with its event', async () => {
  const client = await stack.tenant();
  const domain = await ownDomain(client, 'deleted.test');
  const email = (await client.request('POST', '/v1/emails', { ...message('a@deleted.test', 1), sendAt: new Date(Date.now() + 2_000).toISOString() })).body;
  expect((await client.request('DELETE', `/v1/domains/${domain.id}`)).status).toBe(204);
  const failed = await settled(client, email.id);
  expect(failed).toMatchObject({ status: 'failed', failureReason: 'domain_unverified', lastError: expect.stringContaining('deleted.test') });
  expect(sink.received.some((m) => m.messageId === failed.messageId)).toBe(false);
  const events = (await client.request('GET', `/v1/events?emailId=${email.id}`)).body.data;
  expect(events.map((e: { type: string }) => e.type)).toContain('email.failed');
});

test('a record that disappears: the sweeper marks the domain unverified, since when, and its scheduled mail is not sent', async () => {
  const client = await stack.tenant();
  const domain = await ownDomain(client, 'lapsing.test');
  const email = (await client.request('POST', '/v1/emails', { ...message('a@lapsing.test', 1), sendAt: new Date(Date.now() + 60_000).toISOString() })).body;
  const before = Date.now();
  dns.unpublish(domain.records[0]!.name);
  const lapsed = await waitFor('the sweeper to find the record gone', async () => {
    const got = (await client.request('GET', `/v1/domains/${domain.id}`)).body;
    return got.status === 'unverified' ? got : null;
  }, 20_000);
  expect(lapsed.records[0].status).toBe('missing');
  expect(Date.parse(lapsed.unverifiedSince)).toBeGreaterThanOrEqual(before - 1_000);
  expect(lapsed.sendingAllowedUntil).toBe(lapsed.unverifiedSince); // no grace in this test

  expect((await client.request('POST', '/v1/emails', message('b@lapsing.test', 2))).status).toBe(400);
  // Made due now by an edit that does not name From (so not checked at edit): the claim refuses it.
  expect((await client.request('PATCH', `/v1/emails/${email.id}`, { sendAt: new Date().toISOString() })).status).toBe(200);
  expect(await settled(client, email.id)).toMatchObject({ status: 'failed', failureReason: 'domain_unverified' });

  dns.publishTxt(domain.records[0]!.name, domain.records[0]!.value);
  await waitFor('the sweeper to find it back', async () => (await client.request('GET', `/v1/domains/${domain.id}`)).body.status === 'verified', 20_000);
});
