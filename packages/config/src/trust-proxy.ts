import { isIP } from 'node:net';
import { z } from 'zod';

// Names Express's 'trust proxy' (proxy-addr) knows for address ranges.
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrSubnet(entry: string): boolean {
  const [address = '', bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

/**
 * Which proxies' X-Forwarded-For to believe for a client's address, as Express's 'trust proxy' takes it:
 * `false` (the connection's peer), a number of proxies in front, or their addresses, subnets and range
 * names, comma-separated. `true` is refused: believing every hop lets any client name its own address,
 * and with it escape the per-address limit on failed authentications.
 */
export const trustProxySchema = z.string().transform((raw, ctx): false | number | string[] => {
  const value = raw.trim();
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  if (value === 'true') {
    ctx.addIssue({ code: 'custom', message: 'true would let any client choose its own address; give the number of proxies in front, or their addresses' });
    return z.NEVER;
  }
  const entries = value.split(',').map((entry) => entry.trim());
  const unknown = entries.filter((entry) => !RANGE_NAMES.has(entry) && !isAddressOrSubnet(entry));
  if (unknown.length > 0) {
    ctx.addIssue({ code: 'custom', message: `not an address, subnet or one of loopback, linklocal, uniquelocal: ${unknown.join(', ')}` });
    return z.NEVER;
  }
  return entries;
});
