import { parseDomainName } from '../domains/domain-name';
import { isStorableText } from './storable-text';

export interface ParsedAddress {
  /** The bare addr-spec: the local part as written, the domain lower-cased in ASCII (punycode). */
  address: string;
  name: string | null;
}

/**
 * What two addresses are judged the same by: case-insensitive, as nearly every mailbox is. The written
 * case is still what gets stored and sent (RFC 5321 lets a server treat local parts case-sensitively).
 */
export function addressKey(address: string): string {
  return address.toLowerCase();
}

const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/;

/**
 * Accepts `user@example.com` or `Display Name <user@example.com>`. Rejects what could smuggle headers
 * (CR, LF, any control character), what SMTP would refuse (over 254 characters, local part over 64),
 * and quoted local parts, which no real mailbox needs and many relays mishandle.
 */
export function parseAddress(raw: string): ParsedAddress | { error: string } {
  if (CONTROL_CHARS.test(raw)) return { error: 'contains a control character (CR, LF, …)' };
  const trimmed = raw.trim();
  const withName = /^(.*?)\s*<([^<>]+)>$/.exec(trimmed);
  const spec = withName ? withName[2]!.trim() : trimmed;
  let name = withName ? withName[1]!.trim() : '';
  if (name.startsWith('"') && name.endsWith('"') && name.length >= 2) name = name.slice(1, -1);
  if (/[<>"\\]/.test(name)) return { error: 'display name may not contain <, >, " or \\' };
  if (!isStorableText(name)) return { error: 'display name contains an unpaired surrogate' };
  if (name.length > 200) return { error: 'display name is longer than 200 characters' };

  const at = spec.lastIndexOf('@');
  if (at <= 0 || at === spec.length - 1) return { error: 'is not an email address' };
  const local = spec.slice(0, at);
  const domainRaw = spec.slice(at + 1);
  if (local.length > 64) return { error: 'local part is longer than 64 characters' };
  if (!LOCAL_PART.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    return { error: 'local part has characters an address may not have' };
  }
  const parsedDomain = parseDomainName(domainRaw);
  if ('error' in parsedDomain) return parsedDomain;
  const domain = parsedDomain.name;
  const address = `${local}@${domain}`;
  if (address.length > 254) return { error: 'is longer than 254 characters' };
  return { address, name: name || null };
}

/** Renders an address for a header, quoting the display name. */
export function formatAddress(parsed: ParsedAddress): string {
  return parsed.name ? `"${parsed.name}" <${parsed.address}>` : parsed.address;
}
