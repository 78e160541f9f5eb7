import { inTransaction } from '@postdate/db';
import { connectDatabase, type Database } from '@postdate/db/client';
import { createApiKeyAuthenticator, createTenant, revokeApiKey, UnauthorizedError } from '@postdate/domain';
import { createTestDatabase, type TestDatabase } from '@postdate/test-support';

// Concurrent requests' keys are looked up together. Each request must still get its own verdict, and a
// revocation must count for every request that arrives after it.

let database: TestDatabase;
let db: Database;
let issued: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  db = connectDatabase({ url: database.url, poolSize: 2, onQuery: (sql) => issued.push(sql) });
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

test('one lookup answers concurrent requests with valid, forged, malformed and unknown keys, each on its own', async () => {
  const authenticate = createApiKeyAuthenticator(db, { maxInFlight: 1 });
  const a = await inTransaction(db, (tx) => createTenant(tx, 'auth-a'));
  const b = await inTransaction(db, (tx) => createTenant(tx, 'auth-b'));
  const forged = `${a.apiKey.slice(0, -4)}AAAA`; // right prefix, wrong secret
  const unknown = 'pd_zzzzzzzzzzzz_' + 'A'.repeat(32);
  issued = [];
  const verdicts = await Promise.all(
    [a.apiKey, b.apiKey, forged, 'not-a-key', unknown, a.apiKey].map((key) => authenticate(key).then((p) => p.tenantId, (e: unknown) => e)),
  );
  expect(verdicts.slice(0, 2)).toEqual([a.tenantId, b.tenantId]);
  for (const v of verdicts.slice(2, 5)) expect(v).toBeInstanceOf(UnauthorizedError);
  expect(verdicts[5]).toBe(a.tenantId);
  expect(issued).toHaveLength(1);
});

test('a key revoked now is refused to the next request', async () => {
  const authenticate = createApiKeyAuthenticator(db, { maxInFlight: 1 });
  const t = await inTransaction(db, (tx) => createTenant(tx, 'auth-revoked'));
  await expect(authenticate(t.apiKey)).resolves.toMatchObject({ tenantId: t.tenantId });
  const prefix = t.apiKey.split('_').slice(0, 2).join('_');
  await revokeApiKey(db, prefix);
  await expect(authenticate(t.apiKey)).rejects.toBeInstanceOf(UnauthorizedError);
});
