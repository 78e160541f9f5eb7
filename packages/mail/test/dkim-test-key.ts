import { generateKeyPairSync } from 'node:crypto';

/**
 * A fresh RSA 2048 DKIM key for `selector` at `domain`, and a resolver that publishes its public key at
 * `<selector>._domainkey.<domain>` (and nothing else): what a receiver's DNS lookup would find.
 */
export function dkimTestKey(domain: string, selector: string) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const resolver = {
    resolve: async (name: string) => {
      if (name !== `${selector}._domainkey.${domain}`) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      return [[`v=DKIM1; k=rsa; p=${publicKey.toString('base64')}`]];
    },
  };
  return { privateKey, resolver };
}
