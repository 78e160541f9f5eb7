import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * DKIM private keys at rest: sealed with AES-256-GCM under DKIM_ENCRYPTION_KEY, bound to the domain and
 * selector they belong to (the additional authenticated data), so a sealed key copied onto another row does
 * not open. Each sealed key names the key that sealed it, so previous keys can still open theirs while
 * `cli domain rekey` re-seals them under the current one.
 */
export interface DkimKeyring {
  seal(privateKeyPem: string, context: SealContext): string;
  /** Throws SealedKeyError when no key of this keyring sealed it, or it was altered. */
  open(sealed: string, context: SealContext): string;
  /** True when the current key sealed it (nothing for rekey to do). */
  isCurrent(sealed: string): boolean;
}

export interface SealContext {
  domain: string;
  selector: string;
}

/** A sealed key that cannot be opened: sealed under a key this process was not given, or tampered with. */
export class SealedKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealedKeyError';
  }
}

const VERSION = 'v1';

/** Names a key without revealing it: the first 8 hex digits of its SHA-256. */
const keyIdOf = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 8);
const aad = (context: SealContext) => Buffer.from(`postdate-dkim:${context.domain}:${context.selector}`);

export function createDkimKeyring(current: Buffer, previous: Buffer[] = []): DkimKeyring {
  if (current.length !== 32 || previous.some((key) => key.length !== 32)) throw new Error('DKIM encryption keys are 32 bytes');
  const keys = new Map([...previous, current].map((key) => [keyIdOf(key), key]));
  const currentId = keyIdOf(current);

  return {
    seal(privateKeyPem, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current, iv).setAAD(aad(context));
      const ciphertext = Buffer.concat([cipher.update(privateKeyPem, 'utf8'), cipher.final()]);
      return [VERSION, currentId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
    },
    open(sealed, context) {
      const [version, keyId, iv, tag, ciphertext] = sealed.split('.');
      if (version !== VERSION || !keyId || !iv || !tag || ciphertext === undefined) throw new SealedKeyError('not a sealed DKIM key');
      const key = keys.get(keyId);
      if (!key) {
        throw new SealedKeyError(`the DKIM key of ${context.domain} was sealed under encryption key ${keyId}, which is neither DKIM_ENCRYPTION_KEY nor one of DKIM_PREVIOUS_ENCRYPTION_KEYS`);
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url')).setAAD(aad(context));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new SealedKeyError(`the DKIM key of ${context.domain} does not open: altered, or not this domain's`);
      }
    },
    isCurrent: (sealed) => sealed.split('.')[1] === currentId,
  };
}
