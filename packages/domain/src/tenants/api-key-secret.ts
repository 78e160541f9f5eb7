import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// A key reads `pd_<prefix>_<secret>`. The prefix is stored in clear to find the row and to show in
// listings; only a SHA-256 of the whole key is stored. The secret has 192 bits of entropy, so a fast hash
// is enough: there is nothing to brute-force that a slow hash would protect.
const KEY_PATTERN = /^pd_([a-z0-9]{12})_([A-Za-z0-9_-]{32})$/;

export interface NewApiKey {
  key: string;
  prefix: string;
  hash: string;
}

export function generateApiKey(): NewApiKey {
  const prefix = randomBytes(9).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, '0').slice(0, 12);
  const secret = randomBytes(24).toString('base64url');
  const key = `pd_${prefix}_${secret}`;
  return { key, prefix: `pd_${prefix}`, hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The prefix of a well-formed key, or null for anything that cannot be one of ours. */
export function apiKeyPrefix(key: string): string | null {
  const match = KEY_PATTERN.exec(key);
  return match ? `pd_${match[1]}` : null;
}

export function apiKeyMatches(key: string, storedHash: string): boolean {
  const actual = Buffer.from(hashApiKey(key), 'hex');
  const expected = Buffer.from(storedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
