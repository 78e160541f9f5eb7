import { apiKeyMatches, apiKeyPrefix, generateApiKey, hashApiKey } from '../src/tenants/api-key-secret';

describe('API key secrets', () => {
  test('a new key reads pd_<12 lower-case alphanumerics>_<32 base64url>, its prefix is the first part', () => {
    for (let i = 0; i < 200; i++) {
      const { key, prefix } = generateApiKey();
      expect(key).toMatch(/^pd_[a-z0-9]{12}_[A-Za-z0-9_-]{32}$/);
      expect(prefix).toMatch(/^pd_[a-z0-9]{12}$/);
      expect(key.startsWith(`${prefix}_`)).toBe(true);
      expect(apiKeyPrefix(key)).toBe(prefix);
    }
  });

  test('keys and prefixes are not repeated', () => {
    const keys = Array.from({ length: 500 }, () => generateApiKey());
    expect(new Set(keys.map((k) => k.key)).size).toBe(500);
    expect(new Set(keys.map((k) => k.prefix)).size).toBe(500);
  });

  test('the stored hash is a SHA-256 of the key, never the key or any part of the secret', () => {
    const { key, hash } = generateApiKey();
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(hashApiKey(key));
    expect(hash).not.toBe(key);
    const secret = key.split('_').slice(2).join('_');
    expect(hash.includes(secret)).toBe(false);
    expect(hash.includes(secret.slice(0, 8).toLowerCase())).toBe(false);
  });

  test('the key matches its own hash only', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(apiKeyMatches(a.key, a.hash)).toBe(true);
    expect(apiKeyMatches(a.key, b.hash)).toBe(false);
    expect(apiKeyMatches(b.key, a.hash)).toBe(false);
  });

  test('a key with the right prefix and a wrong secret does not match', () => {
    const { key, hash } = generateApiKey();
    const last = key.at(-1) === 'A' ? 'B' : 'A';
    expect(apiKeyMatches(`${key.slice(0, -1)}${last}`, hash)).toBe(false);
    expect(apiKeyMatches(key.toUpperCase(), hash)).toBe(false);
    expect(apiKeyMatches(`${key} `, hash)).toBe(false);
  });

  test('a malformed stored hash never matches (and does not throw)', () => {
    const { key, hash } = generateApiKey();
    for (const stored of ['', 'zz', hash.slice(0, 62), `${hash}00`, hash.toUpperCase().replace(/[0-9A-F]/g, 'G')]) {
      expect(apiKeyMatches(key, stored)).toBe(false);
    }
  });

  test.each([
    '',
    'pd_',
    'pd_abc_def',
    'sk_abcdefghijkl_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345',
    'pd_ABCDEFGHIJKL_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345', // upper-case prefix
    'pd_abcdefghijkl_ABCDEFGHIJKLMNOPQRSTUVWXYZ01234', // secret one short
    'pd_abcdefghijkl_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456', // one long
    'pd_abcdefghijkl_ABCDEFGHIJKLMNOPQRSTUVWXYZ01234!',
    ' pd_abcdefghijkl_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345',
    'pd_abcdefghijkl_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345\n',
    "pd_abcdefghijk'_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345",
  ])('no prefix for something that cannot be one of our keys: %j', (key) => {
    expect(apiKeyPrefix(key)).toBeNull();
  });

  test('a well-formed key that was never issued still yields its prefix (the lookup then finds no row)', () => {
    expect(apiKeyPrefix('pd_abcdefghijkl_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345')).toBe('pd_abcdefghijkl');
  });
});
