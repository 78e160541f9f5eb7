import { createApiKeyAuthenticator, createTenant, revokeApiKey, UnauthorizedError } from '@postdate/domain';
import { useTestDatabase } from '@postdate/db/testing';

// Concurrent requests' keys are looked up together. Each request must still get its own verdict, and a
// revocation must count for every request that arrives after it.

const t = useTestDatabase();


test('one lookup answers concurrent requests with valid, forged, malformed and unknown keys, each on its own', async () => {
  const authenticate = createApiKeyAuthenticator(t.db, { maxInFlight: 1 });
  const a = await createTenant(t.db, 'auth-a');
  const b = await createTenant(t.db, 'auth-b');
  const forged = `${a.apiKey.slice(0, -4)}AAAA`; // right prefix, wrong secret
  const unknown = 'pd_zzzzzzzzzzzz_' + 'A'.repeat(32);
  t.issued.length = 0;
  const verdicts = await Promise.all(
    [a.apiKey, b.apiKey, forged, 'not-a-key', unknown, a.apiKey].map((key) => authenticate(key).then((p) => p.tenantId, (e: unknown) => e)),
  );
  expect(verdicts.slice(0, 2)).toEqual([a.tenantId, b.tenantId]);
  for (const v of verdicts.slice(2, 5)) expect(v).toBeInstanceOf(UnauthorizedError);
  expect(verdicts[5]).toBe(a.tenantId);
  expect(t.issued).toHaveLength(1);
});

test('a key revoked now is refused to the next request', async () => {
  const authenticate = createApiKeyAuthenticator(t.db, { maxInFlight: 1 });
  const tenant = await createTenant(t.db, 'auth-revoked');
  await expect(authenticate(tenant.apiKey)).resolves.toMatchObject({ tenantId: tenant.tenantId });
  const prefix = tenant.apiKey.split('_').slice(0, 2).join('_');
  await revokeApiKey(t.db, prefix);
  await expect(authenticate(tenant.apiKey)).rejects.toBeInstanceOf(UnauthorizedError);
});
