import { isIP } from 'node:net';
import { z } from 'zod';

// Sender domains: which From a tenant may use, the DKIM keys' encryption, and the DNS they are checked in.

/**
 * An AES-256 key: 32 bytes written as 64 hex digits or as base64 (standard or URL-safe alphabet), as
 * `openssl rand -base64 32` prints one. Anything else is refused rather than stretched into a key.
 */
const encryptionKey = z.string().transform((text, ctx) => {
  const trimmed = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : /^[A-Za-z0-9+/_-]{42,43}={0,2}$/.test(trimmed)
      ? Buffer.from(trimmed, 'base64')
      : undefined;
  if (bytes?.length !== 32) {
    ctx.addIssue({ code: 'custom', message: 'must be 32 random bytes as 64 hex digits or base64 (openssl rand -base64 32)' });
    return z.NEVER;
  }
  return bytes;
});

/** One DNS server: an IP address, optionally with a port (`127.0.0.1:5353`, `[::1]:5353`). */
function isDnsServer(entry: string): boolean {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(entry);
  const withPort = /^([^:]+):(\d{1,5})$/.exec(entry);
  const [host, port] = bracketed ? [bracketed[1]!, bracketed[2]] : withPort ? [withPort[1]!, withPort[2]] : [entry, undefined];
  return isIP(host) !== 0 && (port === undefined || (Number(port) > 0 && Number(port) <= 65535));
}

const dnsServers = z
  .string()
  .transform((value) => value.split(',').map((entry) => entry.trim()).filter((entry) => entry !== ''))
  .refine((servers) => servers.length > 0 && servers.every(isDnsServer), 'must be IP addresses, each optionally with :port, separated by commas');

/** The variables both the API (checks at create, edit and verify) and the worker (at the claim, re-checks) read. */
export const senderDomainRules = {
  /**
   * `from` must be on one of the tenant's verified domains (or a subdomain of one): at create, at edit, and
   * again when a worker claims the email. On unless turned off: a relay shared by untrusted tenants must not
   * let one send as another.
   */
  REQUIRE_VERIFIED_DOMAIN: z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .transform((v) => v === 'true' || v === '1' || v === 'yes')
    .default(true),
  /** Seals DKIM private keys at rest (AES-256-GCM). Required when REQUIRE_VERIFIED_DOMAIN is on. */
  DKIM_ENCRYPTION_KEY: encryptionKey.optional(),
  /** The DNS servers domains are verified against; unset: the system's resolvers. */
  DNS_SERVERS: dnsServers.optional(),
  /**
   * How long a domain whose DKIM record disappeared may still send: a DNS migration or a zone rollback that
   * loses the record for a while does not stop mail at once. 0: stop at the first check that misses it.
   */
  DOMAIN_UNVERIFIED_GRACE_HOURS: z.coerce.number().min(0).max(720).default(72),
  /** The SPF mechanism the relay needs in a sender domain's SPF record, e.g. `include:_spf.relay.example`. */
  SPF_INCLUDE: z
    .string()
    .regex(/^(include:|a:|mx:|ip4:|ip6:)[A-Za-z0-9.:/_-]+$/, 'must be one SPF mechanism, e.g. include:_spf.relay.example')
    .optional(),
};

/** Only the worker signs (so decrypts) and re-checks domains periodically. */
export const domainRecheckRules = {
  /**
   * Keys that sealed DKIM private keys before DKIM_ENCRYPTION_KEY did, comma-separated: still opened while
   * `cli domain rekey` re-seals every key under the current one (README, key rotation).
   */
  DKIM_PREVIOUS_ENCRYPTION_KEYS: z
    .string()
    .transform((value, ctx) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== '')
        .map((entry) => {
          const parsed = encryptionKey.safeParse(entry);
          if (!parsed.success) ctx.addIssue({ code: 'custom', message: 'each key must be 32 bytes as 64 hex digits or base64' });
          return parsed.success ? parsed.data : Buffer.alloc(0);
        }),
    )
    .optional(),
  /** How often the sweeper looks a verified (or lapsed) domain's records up again. */
  DOMAIN_RECHECK_SECONDS: z.coerce.number().int().positive().default(3600),
};

/** A relay that requires verified domains signs with their keys, so it must be able to seal and open them. */
export function dkimKeyWhenRequired(env: { REQUIRE_VERIFIED_DOMAIN: boolean; DKIM_ENCRYPTION_KEY?: Buffer | undefined }, ctx: z.RefinementCtx): void {
  if (env.REQUIRE_VERIFIED_DOMAIN && !env.DKIM_ENCRYPTION_KEY) {
    ctx.addIssue({
      code: 'custom',
      path: ['DKIM_ENCRYPTION_KEY'],
      message: 'is required while REQUIRE_VERIFIED_DOMAIN is on (the default): 32 random bytes, e.g. openssl rand -base64 32',
    });
  }
}
