import {
  createDeliveryStatements,
  createDkimKeyring,
  createEmailBatcher,
  createEmailInputSchema,
  createEmails,
  createSenderDomains,
  createTenant,
  deleteDomain,
  deliverEmail,
  registerDomain,
  trustDomain,
  updateEmail,
  updateEmailInputSchema,
  type DeliveryContext,
  type SenderDomains,
} from '@postdate/domain';
import { useTestDatabase } from '@postdate/db/testing';
import { recordingTransport } from './recording-transport';

// From restricted to the tenant's verified domains (or their subdomains): at create, at edit, and once more
// right after the claim, where a domain deleted or lapsed since fails the email without any SMTP.

const t = useTestDatabase({ poolSize: 4 });
const keyring = createDkimKeyring(Buffer.alloc(32, 3));
const schema = createEmailInputSchema();
const patchSchema = updateEmailInputSchema();
const policy = { required: true, graceHours: 72 };
const { transport, sent } = recordingTransport();
let tenantId: bigint;
let otherTenant: bigint;

const domains = (overrides: Partial<SenderDomains['policy']> = {}): SenderDomains =>
  createSenderDomains({ ...policy, ...overrides, encryptionKey: Buffer.alloc(32, 3), resolveTxt: async () => [] });

function context(senderDomains: SenderDomains): DeliveryContext {
  return {
    db: t.db,
    statements: createDeliveryStatements(t.db, { workerId: 'sender-test', leaseSeconds: 60 }, { maxBatchSize: 1, maxInFlight: 1, maxWaitMs: 0 }),
    transport,
    enqueue: async () => undefined,
    policy: { leaseSeconds: 60, maxSendSeconds: 600, maxAttempts: 3, retryBaseSeconds: 30, retryMaxSeconds: 60, leaseRecovery: 'at-least-once' },
    mailDomain: 'postdate.test',
    horizonSeconds: 3600,
    senderDomains,
  };
}

const input = (from: string, extra: Record<string, unknown> = {}) => schema.parse({ from, to: ['ann@example.com'], text: 'x', ...extra });
const create = (from: string, extra: Record<string, unknown> = {}, idempotencyKey?: string) =>
  createEmails(t.db, { tenantId, emails: [{ input: input(from, extra), ...(idempotencyKey ? { idempotencyKey } : {}) }], now: new Date(), enqueueHorizonSeconds: 3600, senderPolicy: policy });

beforeAll(async () => {
  tenantId = (await createTenant(t.db, 'sender')).tenantId;
  otherTenant = (await createTenant(t.db, 'sender-other')).tenantId;
  await trustDomain(t.db, tenantId, 'acme.test', keyring);
  await trustDomain(t.db, tenantId, 'news.acme.test', keyring);
  await trustDomain(t.db, tenantId, 'shop.brand.test', keyring);
  await registerDomain(t.db, { tenantId, name: 'pending.test', keyring });
  await trustDomain(t.db, otherTenant, 'other.test', keyring);
});

test('a create from a verified domain or a subdomain of one is accepted; replyTo may be anywhere', async () => {
  await expect(create('Acme <billing@acme.test>', { replyTo: 'help@helpdesk.example' })).resolves.toMatchObject({ created: [expect.anything()] });
  await expect(create('promo@deep.news.acme.test')).resolves.toBeTruthy();
});

test.each([
  ['a pending domain', 'x@pending.test', 'pending.test'],
  ["another tenant's domain", 'billing@other.test', 'other.test'],
  ['the parent of a verified domain', 'x@brand.test', 'brand.test'],
  ['a look-alike', 'x@evilacme.test', 'evilacme.test'],
] as const)('a create from %s is refused, naming the domain, and nothing is written', async (_what, from, domain) => {
  const before = await t.db.scheduledEmail.count();
  await expect(create(from)).rejects.toMatchObject({ code: 'validation_failed', message: expect.stringContaining(`emails[0]: from: ${domain} is not a verified domain of this account`) });
  expect(await t.db.scheduledEmail.count()).toBe(before);
});

test('single creates batched together: only the refused one is refused', async () => {
  const batcher = createEmailBatcher(t.db, { enqueueHorizonSeconds: 3600, maxBatchSize: 10, maxInFlight: 1, maxWaitMs: 20, senderPolicy: policy });
  const outcomes = await Promise.all(['a@acme.test', 'b@other.test', 'c@news.acme.test'].map((from) => batcher({ tenantId, email: { input: input(from) } })));
  expect(outcomes.map((o) => ('error' in o ? o.error.message : 'created'))).toEqual([
    'created',
    expect.stringMatching(/^from: other.test is not a verified domain/),
    'created',
  ]);
});

test('a replay stays a replay after its domain is gone; a new key from that domain is refused', async () => {
  const tenant = (await createTenant(t.db, 'sender-replay')).tenantId;
  const id = await trustDomain(t.db, tenant, 'replay.test', keyring);
  const write = (key: string) =>
    createEmails(t.db, { tenantId: tenant, emails: [{ idempotencyKey: key, input: input('a@replay.test') }], now: new Date(), enqueueHorizonSeconds: 3600, senderPolicy: policy });
  const first = await write('k1');
  await deleteDomain(t.db, tenant, id);
  expect((await write('k1')).created[0]).toMatchObject({ replayed: true, email: { id: first.created[0]!.email.id } });
  await expect(write('k2')).rejects.toMatchObject({ code: 'validation_failed' });
});

test('an edit that changes from, or re-arms the email, checks the From it leaves', async () => {
  const { created } = await create('a@acme.test');
  const id = created[0]!.email.id;
  const edit = (patch: Record<string, unknown>) =>
    updateEmail(t.db, { tenantId, id, patch: patchSchema.parse(patch), now: new Date(), enqueueHorizonSeconds: 3600, maxRecipients: 100, senderPolicy: policy });
  await expect(edit({ from: 'x@other.test' })).rejects.toMatchObject({ code: 'validation_failed', message: expect.stringContaining('other.test') });
  await expect(edit({ from: 'x@news.acme.test', subject: 'ok' })).resolves.toBeTruthy();
  await expect(edit({ subject: 'no from, no check' })).resolves.toBeTruthy();

  // Failed, and its domain deleted since: re-arming it (a new sendAt) is refused like a new create would be.
  const tenant = (await createTenant(t.db, 'sender-rearm')).tenantId;
  const domainId = await trustDomain(t.db, tenant, 'rearm.test', keyring);
  const failed = (await createEmails(t.db, { tenantId: tenant, emails: [{ input: input('a@rearm.test') }], now: new Date(), enqueueHorizonSeconds: 3600 })).created[0]!.email;
  await t.db.scheduledEmail.update({ where: { id: failed.id }, data: { status: 'failed', failureReason: 'domain_unverified' } });
  await deleteDomain(t.db, tenant, domainId);
  const rearm = updateEmail(t.db, { tenantId: tenant, id: failed.id, patch: patchSchema.parse({ sendAt: new Date(Date.now() + 60_000).toISOString() }), now: new Date(), enqueueHorizonSeconds: 3600, maxRecipients: 100, senderPolicy: policy });
  await expect(rearm).rejects.toMatchObject({ code: 'validation_failed', message: expect.stringContaining('rearm.test') });
});

test('at the claim: signed with the most specific usable domain, unsigned for none when not required', async () => {
  sent.length = 0;
  const { created } = await createEmails(t.db, {
    tenantId,
    emails: [{ input: input('a@news.acme.test') }, { input: input('b@acme.test') }, { input: input('c@unregistered.test') }],
    now: new Date(),
    enqueueHorizonSeconds: 3600,
  });
  const ctx = context(domains({ required: false }));
  for (const { email } of created) await deliverEmail(ctx, { emailId: email.id.toString(), tenantId: tenantId.toString(), version: email.version });
  expect(sent.map((m) => [m.from, m.dkim?.domainName, m.dkim?.privateKey.startsWith('-----BEGIN PRIVATE KEY-----')])).toEqual([
    ['a@news.acme.test', 'news.acme.test', true],
    ['b@acme.test', 'acme.test', true],
    ['c@unregistered.test', undefined, undefined],
  ]);
});

test('a domain deleted after scheduling: the claim fails the email (domain_unverified) with its event, no SMTP', async () => {
  sent.length = 0;
  const tenant = (await createTenant(t.db, 'sender-deleted')).tenantId;
  const id = await trustDomain(t.db, tenant, 'gone.test', keyring);
  const { created } = await createEmails(t.db, { tenantId: tenant, emails: [{ input: input('a@gone.test') }], now: new Date(), enqueueHorizonSeconds: 3600, senderPolicy: policy });
  const email = created[0]!.email;
  await deleteDomain(t.db, tenant, id);
  const outcome = await deliverEmail(context(domains()), { emailId: email.id.toString(), tenantId: tenant.toString(), version: email.version });
  expect(outcome).toMatchObject({ outcome: 'failed', reason: 'domain_unverified', error: expect.stringContaining('gone.test is not a verified domain') });
  expect(sent).toEqual([]);
  expect(await t.db.scheduledEmail.findUniqueOrThrow({ where: { id: email.id } })).toMatchObject({ status: 'failed', failureReason: 'domain_unverified' });
  const events = await t.db.event.findMany({ where: { emailId: email.id }, orderBy: { sequence: 'asc' } });
  expect(events.map((e) => [e.type, (e.data as { reason?: string }).reason])).toEqual([
    ['email.scheduled', undefined],
    ['email.failed', 'domain_unverified'],
  ]);
});

test('a lapsed domain sends within its grace period and is refused after it', async () => {
  const tenant = (await createTenant(t.db, 'sender-grace')).tenantId;
  const domain = await registerDomain(t.db, { tenantId: tenant, name: 'grace.test', keyring });
  await t.db.$executeRaw`UPDATE sender_domain SET status = 'unverified', unverified_since = now() - interval '2 hours' WHERE id = ${domain.id}`;
  const write = (graceHours: number) =>
    createEmails(t.db, { tenantId: tenant, emails: [{ input: input('a@grace.test') }], now: new Date(), enqueueHorizonSeconds: 3600, senderPolicy: { required: true, graceHours } });
  const { created } = await write(72);
  await expect(write(1)).rejects.toMatchObject({ code: 'validation_failed' });
  const email = created[0]!.email;
  const outcome = await deliverEmail(context(domains({ graceHours: 1 })), { emailId: email.id.toString(), tenantId: tenant.toString(), version: email.version });
  expect(outcome).toMatchObject({ outcome: 'failed', reason: 'domain_unverified' });
});

test('a key that does not open under this worker\'s keys is a retry, not a send without a signature', async () => {
  sent.length = 0;
  const { created } = await createEmails(t.db, { tenantId, emails: [{ input: input('a@acme.test') }], now: new Date(), enqueueHorizonSeconds: 3600 });
  const email = created[0]!.email;
  const wrongKeys = createSenderDomains({ ...policy, encryptionKey: Buffer.alloc(32, 4), resolveTxt: async () => [] });
  const outcome = await deliverEmail(context(wrongKeys), { emailId: email.id.toString(), tenantId: tenantId.toString(), version: email.version });
  expect(outcome).toMatchObject({ outcome: 'retry_scheduled', error: expect.stringMatching(/neither DKIM_ENCRYPTION_KEY nor one of DKIM_PREVIOUS_ENCRYPTION_KEYS/) });
  expect(sent).toEqual([]);
});

test('the lookups of emails claimed together share a statement, each answered for its own tenant and domain', async () => {
  const sizes: number[] = [];
  const statements = createDeliveryStatements(t.db, { workerId: 'sender-batch', leaseSeconds: 60 }, { maxBatchSize: 50, maxInFlight: 1, maxWaitMs: 0, onBatch: (statement, size) => statement === 'sender' && sizes.push(size) });
  const asks: [bigint, string][] = [
    [tenantId, 'deep.news.acme.test'],
    [tenantId, 'acme.test'],
    [tenantId, 'brand.test'],
    [tenantId, 'pending.test'],
    [otherTenant, 'acme.test'],
    [otherTenant, 'other.test'],
  ];
  const rows = await Promise.all(asks.map(([tenant, domain]) => statements.senderDomain({ tenantId: tenant, domain, graceHours: 72 })));
  expect(rows.map((row) => row?.name)).toEqual(['news.acme.test', 'acme.test', undefined, undefined, undefined, 'other.test']);
  expect(sizes.reduce((a, b) => a + b, 0)).toBe(asks.length);
  expect(Math.max(...sizes)).toBeGreaterThan(1);
});

test('lookups in one statement each keep their own grace period', async () => {
  const tenant = (await createTenant(t.db, 'sender-grace-batch')).tenantId;
  const domain = await registerDomain(t.db, { tenantId: tenant, name: 'lapsed.test', keyring });
  await t.db.$executeRaw`UPDATE sender_domain SET status = 'unverified', unverified_since = now() - interval '2 hours' WHERE id = ${domain.id}`;
  const sizes: number[] = [];
  const statements = createDeliveryStatements(t.db, { workerId: 'sender-grace', leaseSeconds: 60 }, { maxBatchSize: 50, maxInFlight: 1, maxWaitMs: 0, onBatch: (statement, size) => statement === 'sender' && sizes.push(size) });
  const rows = await Promise.all([1, 3, 1.5, 2.5].map((graceHours) => statements.senderDomain({ tenantId: tenant, domain: 'lapsed.test', graceHours })));
  expect(rows.map((row) => row?.name)).toEqual([undefined, 'lapsed.test', undefined, 'lapsed.test']);
  expect(Math.max(...sizes)).toBeGreaterThan(1);
});
