// Turns the endpoint's host into the one address the POST will go to. Resolving once and connecting to what
// was checked is the point: a second resolution (by the HTTP client) could answer differently — DNS
// rebinding — and reach an address nobody checked.
import type { LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { refusedRange } from './address-range';
import { ipLiteral } from './check-webhook-url';

export type Resolution =
  { kind: 'address'; address: string } | { kind: 'refused'; error: string } | { kind: 'failed'; error: string };

export interface ResolveOptions {
  lookup: LookupFunction;
  allowPrivate: boolean;
  /** Aborted when the request's time is up: a lookup that hangs must not hold the attempt past it. */
  signal: AbortSignal;
}

/** The address to connect to for `hostname` (a URL's), or why there is none. */
export async function resolveAddress(hostname: string, options: ResolveOptions): Promise<Resolution> {
  const literal = ipLiteral(hostname);
  let addresses: string[];
  if (literal !== undefined) {
    addresses = [literal];
  } else {
    try {
      addresses = await lookupAll(hostname, options.lookup, options.signal);
    } catch (error) {
      return { kind: 'failed', error: `resolving ${hostname}: ${(error as Error).message}` };
    }
    if (addresses.length === 0) return { kind: 'failed', error: `resolving ${hostname}: no address` };
  }
  for (const address of addresses) {
    // Even with private addresses allowed, only an address goes to connect: a name would be resolved again.
    // And every address, not only the one we will use: a name that mixes public and private answers is refused.
    const range = isIP(address) === 0 ? 'not an IP address' : options.allowPrivate ? undefined : refusedRange(address);
    if (range) return { kind: 'refused', error: `${hostname} resolves to ${address}, not a public address (${range})` };
  }
  return { kind: 'address', address: addresses[0]! };
}

function lookupAll(hostname: string, lookup: LookupFunction, signal: AbortSignal): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    lookup(hostname, { all: true }, (error, answer) => {
      signal.removeEventListener('abort', onAbort);
      if (error) return reject(error);
      // A stub or a custom resolver may answer with a single address even when asked for all.
      resolve(typeof answer === 'string' ? [answer] : (answer as LookupAddress[]).map((entry) => entry.address));
    });
  });
}
