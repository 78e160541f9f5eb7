import { randomBytes } from 'node:crypto';
import { createDkimKeyring, SealedKeyError } from '@postdate/domain';

// DKIM private keys at rest: AES-256-GCM, bound to their domain and selector, naming the key that sealed them.

const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n';
const acme = { domain: 'acme.test', selector: 'pd0123456789' };
const current = randomBytes(32);
const previous = randomBytes(32);

test('a sealed key opens under its key and context, and shows nothing of the key in clear', () => {
  const keyring = createDkimKeyring(current);
  const sealed = keyring.seal(pem, acme);
  expect(sealed).toMatch(/^v1\.[0-9a-f]{8}\.[\w-]+\.[\w-]+\.[\w-]+$/);
  expect(sealed).not.toContain('MIIEvQ');
  expect(keyring.open(sealed, acme)).toBe(pem);
  // A fresh IV each time: the same key sealed twice never looks the same.
  expect(keyring.seal(pem, acme)).not.toBe(sealed);
});

test('a sealed key copied to another domain or selector, or altered, does not open', () => {
  const keyring = createDkimKeyring(current);
  const sealed = keyring.seal(pem, acme);
  expect(() => keyring.open(sealed, { ...acme, domain: 'evil.test' })).toThrow(SealedKeyError);
  expect(() => keyring.open(sealed, { ...acme, selector: 'pdffffffffff' })).toThrow(SealedKeyError);
  const parts = sealed.split('.');
  const flipped = Buffer.from(parts[4]!, 'base64url');
  flipped[0] = flipped[0]! ^ 1;
  expect(() => keyring.open([...parts.slice(0, 4), flipped.toString('base64url')].join('.'), acme)).toThrow(/does not open/);
  expect(() => keyring.open('not sealed', acme)).toThrow(SealedKeyError);
});

test('rotation: a keyring with the previous key opens what it sealed, and knows it is not current', () => {
  const old = createDkimKeyring(previous).seal(pem, acme);
  expect(() => createDkimKeyring(current).open(old, acme)).toThrow(/neither DKIM_ENCRYPTION_KEY nor one of DKIM_PREVIOUS_ENCRYPTION_KEYS/);
  const rotating = createDkimKeyring(current, [previous]);
  expect(rotating.open(old, acme)).toBe(pem);
  expect(rotating.isCurrent(old)).toBe(false);
  expect(rotating.isCurrent(rotating.seal(pem, acme))).toBe(true);
});

test('keys must be 32 bytes', () => {
  expect(() => createDkimKeyring(randomBytes(16))).toThrow(/32 bytes/);
});
