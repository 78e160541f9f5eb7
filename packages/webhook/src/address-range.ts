// Which addresses a webhook may be sent to. An allow-list rather than a deny-list: only what ipaddr.js calls
// plain `unicast` passes, so every special range it knows (loopback, private, link-local with the cloud
// metadata address, CGNAT, multicast, broadcast, reserved, unique-local…) is refused by its name, and a range
// nobody thought of is refused rather than let through.
import ipaddr from 'ipaddr.js';
import { isIP } from 'node:net';

// The only IPv6 addresses on the public internet. ipaddr.js calls everything outside its special list
// `unicast`, including the deprecated IPv4-compatible ::a.b.c.d, which must not pass for ::127.0.0.1's sake.
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');
// NAT64's well-known prefix: an IPv6-only network (DNS64) reaches every IPv4 host through it, so the IPv4
// address it carries is what decides. Its local-use sibling 64:ff9b:1::/48 is refused with the rest.
const NAT64_WELL_KNOWN = ipaddr.parseCIDR('64:ff9b::/96');

/**
 * Why `address` may not receive a webhook (the name of its range, e.g. `loopback`, `private`, `linkLocal`),
 * or undefined when it is a public unicast address.
 */
export function refusedRange(address: string): string | undefined {
  // Only the forms the connection would use as they are: `127.1` or `0x7f.0.0.1` would be resolved again.
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  if (family === 4) {
    const range = ipaddr.IPv4.parse(address).range();
    return range === 'unicast' ? undefined : range;
  }
  const v6 = ipaddr.IPv6.parse(spelledAsTheSystemReadsIt(address));
  const carried = carriedIPv4(v6);
  if (carried) {
    const range = refusedRange(carried);
    return range && `${range}: ${carried} inside IPv6`;
  }
  const range = v6.range();
  if (range !== 'unicast') return range;
  return v6.match(GLOBAL_UNICAST_V6) ? undefined : 'not global unicast';
}

/** The IPv4 address an IPv6 one stands for, when the packets end up there (mapped, translated, NAT64). */
function carriedIPv4(address: ipaddr.IPv6): string | undefined {
  const range = address.range();
  if (range !== 'ipv4Mapped' && range !== 'rfc6145' && !address.match(NAT64_WELL_KNOWN)) return undefined;
  const bytes = address.toByteArray().slice(12);
  return bytes.join('.');
}

/**
 * An IPv6 address in plain hex, zone dropped (it names an interface, not an address). ipaddr.js reads the
 * IPv4-compatible `::a.b.c.d` as the mapped `::ffff:a.b.c.d`, which the system does not; the WHATWG URL parser,
 * which also spells the hosts checkWebhookUrl sees, reads it as the system does.
 */
function spelledAsTheSystemReadsIt(address: string): string {
  const withoutZone = address.split('%')[0]!;
  return new URL(`http://[${withoutZone}]`).hostname.slice(1, -1);
}
