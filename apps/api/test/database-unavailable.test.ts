import { holdQuotaLock } from '@postdate/db/testing';
import { startTestApi, type TestApi } from './support/test-api';

// When Postgres cannot serve a request in time (here: a statement stuck behind a lock past the
// statement timeout), the client gets a 503 it can retry, with Retry-After — not a 500, and not a
// request hanging for as long as the lock is held.

let stack: TestApi;
beforeAll(async () => {
  stack = await startTestApi({ apiOverrides: { DATABASE_STATEMENT_TIMEOUT_MS: '1500' } });
});
afterAll(() => stack?.close());

const email = (to: string) => ({ from: 'a@acme.test', to: [to], text: 'x', sendAt: new Date(Date.now() + 7_200_000).toISOString() });

test('a create stuck behind a lock past the statement timeout answers 503 with Retry-After, and succeeds once the lock is gone', async () => {
  const client = await stack.tenant();
  // With a daily quota, every create updates the tenant's counter row.
  await stack.db.tenant.update({ where: { id: client.tenantId }, data: { dailyRecipientQuota: 1_000 } });
  expect((await client.request('POST', '/v1/emails', email('first@example.com'))).status).toBe(201);
  const lock = await holdQuotaLock(stack.db, client.tenantId);
  try {
    const started = Date.now();
    const stuck = await client.request('POST', '/v1/emails', email('stuck@example.com'), { 'Idempotency-Key': 'stuck' });
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(stuck.status).toBe(503);
    expect(stuck.headers.get('retry-after')).toBe('5');
    expect(stuck.body).toEqual({ error: { code: 'database_unavailable', message: expect.stringMatching(/try again/) } });
  } finally {
    await lock.release();
  }
  const retried = await client.request('POST', '/v1/emails', email('stuck@example.com'), { 'Idempotency-Key': 'stuck' });
  expect(retried.status).toBe(201);
  expect(await stack.db.scheduledEmail.count({ where: { tenantId: client.tenantId } })).toBe(2);
});
