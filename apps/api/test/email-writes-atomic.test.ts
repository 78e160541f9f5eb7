import type { ApiClient } from '@postdate/test-support';
import { startTestApi, type TestApi } from './support/test-api';

// Every email write runs in one interactive transaction: the email and its recipients are written first,
// the quota is charged by a later statement of the same transaction. A failure injected into that later
// statement (a trigger on the quota counter, for one tenant) must undo the rows written before it: no
// email, no recipient, no quota consumed. Written statement by statement without a transaction, the email
// would stay.

let stack: TestApi;
beforeAll(async () => {
  stack = await startTestApi();
  // The tenants whose quota charge fails: a table the trigger reads, so each test poisons its own tenant.
  await stack.db.$executeRaw`CREATE TABLE poisoned_tenant (tenant_id bigint PRIMARY KEY)`;
  await stack.db.$executeRaw`
    CREATE FUNCTION fail_quota_charge() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM poisoned_tenant WHERE tenant_id = NEW.tenant_id) THEN
        RAISE EXCEPTION 'injected failure after the email was written';
      END IF;
      RETURN NEW;
    END $$`;
  await stack.db.$executeRaw`
    CREATE TRIGGER fail_quota_charge BEFORE INSERT OR UPDATE ON quota_usage FOR EACH ROW EXECUTE FUNCTION fail_quota_charge()`;
});
afterAll(() => stack?.close());

/** A tenant with a quota (so creates charge it) whose every quota charge fails. */
async function poison(client: ApiClient): Promise<ApiClient> {
  await stack.db.tenant.update({ where: { id: client.tenantId }, data: { dailyRecipientQuota: 1_000 } });
  await stack.db.$executeRaw`INSERT INTO poisoned_tenant VALUES (${client.tenantId})`;
  return client;
}

const poisonedTenant = async () => poison(await stack.tenant());

async function tenantRows(tenantId: bigint) {
  return {
    emails: await stack.db.scheduledEmail.count({ where: { tenantId } }),
    recipients: await stack.db.recipient.count({ where: { email: { tenantId } } }),
    quotaUsed: (await stack.db.quotaUsage.aggregate({ where: { tenantId }, _sum: { recipients: true } }))._sum.recipients ?? 0,
  };
}

const email = { from: 'app@acme.test', to: ['ann@example.com', 'ben@example.com'], subject: 'hi', text: 'hi', sendAt: new Date(Date.now() + 3_600_000).toISOString() };

test('POST /v1/emails: a failure after the rows are written leaves no email, no recipient, no quota consumed', async () => {
  const client = await poisonedTenant();
  const answer = await client.request('POST', '/v1/emails', email, { 'Idempotency-Key': 'atomic-1' });
  expect(answer.status).toBe(500);
  expect(answer.body.error.code).toBe('internal_error');
  expect(await tenantRows(client.tenantId)).toEqual({ emails: 0, recipients: 0, quotaUsed: 0 });
});

test('concurrent single creates sharing one transaction all roll back together, and each is answered', async () => {
  const client = await poisonedTenant();
  const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => client.request('POST', '/v1/emails', { ...email, subject: `s${i}` })));
  expect(answers.map((a) => a.status)).toEqual(Array(10).fill(500));
  expect(await tenantRows(client.tenantId)).toEqual({ emails: 0, recipients: 0, quotaUsed: 0 });
});

test('POST /v1/emails/batch: all or nothing', async () => {
  const client = await poisonedTenant();
  const answer = await client.request('POST', '/v1/emails/batch', { emails: [email, { ...email, subject: 'two' }] });
  expect(answer.status).toBe(500);
  expect(await tenantRows(client.tenantId)).toEqual({ emails: 0, recipients: 0, quotaUsed: 0 });
});

test('PATCH: recipients added and the version bumped are undone with the failed quota charge', async () => {
  const client = await stack.tenant();
  const created = await client.request('POST', '/v1/emails', email);
  expect(created.status).toBe(201);
  // Poisoned only now: the create went through, the edit's quota charge fails.
  await poison(client);
  const edit = await client.request('PATCH', `/v1/emails/${created.body.id}`, { to: ['ann@example.com', 'ben@example.com', 'cat@example.com'], subject: 'changed' });
  expect(edit.status).toBe(500);
  const stored = await client.request('GET', `/v1/emails/${created.body.id}`);
  expect({ version: stored.body.version, subject: stored.body.subject, recipients: stored.body.recipients.length }).toEqual({ version: 1, subject: 'hi', recipients: 2 });
  expect(await stack.db.recipient.count({ where: { emailId: BigInt(created.body.id) } })).toBe(2);
});
