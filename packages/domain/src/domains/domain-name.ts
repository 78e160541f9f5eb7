import { domainToASCII } from 'node:url';

const DOMAIN_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * A host name as postdate keeps it: lower-case ASCII (an IDN as punycode), at least two labels, no IP
 * address in any notation. The one rule for an address's domain and for a registered sender domain, so a
 * domain that can be registered is exactly one that a From can name.
 */
export function parseDomainName(raw: string): { name: string } | { error: string } {
  // The URL parser behind domainToASCII decodes %xx and rewrites numeric hosts (0x7f.1 → 127.0.0.1):
  // refuse those inputs rather than deliver to a host the client did not write.
  if (/[%\[\]]/.test(raw)) return { error: 'domain is not a valid host name' };
  const name = domainToASCII(raw.toLowerCase());
  const labels = name.split('.');
  if (!name || name.length > 253 || labels.length < 2 || !labels.every((l) => DOMAIN_LABEL.test(l))) {
    return { error: 'domain is not a valid host name' };
  }
  // A top-level label is never all digits: this refuses IPv4 literals in every notation.
  const top = labels[labels.length - 1]!;
  if (/^[0-9]+$/.test(top) || /^0x/i.test(top)) return { error: 'domain must be a host name, not an IP address' };
  return { name };
}

/** The domain of a stored address (`addr@domain` or `Name <addr@domain>`), already normalised when stored. */
export function domainOfAddress(address: string): string {
  const spec = /<([^<>]+)>\s*$/.exec(address)?.[1] ?? address;
  return spec.slice(spec.lastIndexOf('@') + 1).trim().toLowerCase();
}

/** The registered domains that cover `domain`: itself and each parent of at least two labels. */
export function coveringNames(domain: string): string[] {
  const labels = domain.split('.');
  return labels.slice(0, -1).map((_, i) => labels.slice(i).join('.'));
}
