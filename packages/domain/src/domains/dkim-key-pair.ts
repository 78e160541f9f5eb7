import { generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const generate = promisify(generateKeyPair);

export interface DkimKeyPair {
  /** PKCS#8 PEM, as nodemailer's dkim option takes it. */
  privateKeyPem: string;
  /** base64 SubjectPublicKeyInfo: the p= tag of the DKIM record. */
  publicKey: string;
}

/**
 * RSA 2048, the size RFC 8301 recommends and every receiver verifies. Not Ed25519 (RFC 8463): nodemailer
 * signs rsa-sha256 only, and the large mailbox providers do not verify ed25519-sha256 signatures anyway.
 * Generated off the event loop (libuv's thread pool): it takes tens of milliseconds of CPU.
 */
export async function generateDkimKeyPair(): Promise<DkimKeyPair> {
  const { privateKey, publicKey } = await generate('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKey: publicKey.toString('base64') };
}

/**
 * A selector of its own per registration (`pd` and 10 random hex digits): two tenants' pending registrations
 * of one name ask for different records, and a new key later can sit beside the old one in DNS.
 */
export function newDkimSelector(): string {
  return `pd${randomBytes(5).toString('hex')}`;
}
