// The network as the SSRF tests see it: names answer what the test says (a stub lookup), and connections may
// go to 127.0.0.0/8 only. A connect anywhere else is recorded and thrown, never opened, so a broken check
// fails the test instead of sending traffic to a private network or the cloud metadata service.
import type { LookupAddress } from 'node:dns';
import net from 'node:net';
import type { LookupFunction } from 'node:net';

export interface StubLookup {
  lookup: LookupFunction;
  /** The names asked for, in order. */
  asked: string[];
}

/** Resolves each name to the addresses in `answers`; any other name is ENOTFOUND. */
export function stubLookup(answers: Record<string, string[]>): StubLookup {
  const asked: string[] = [];
  const lookup = ((
    hostname: string,
    _options: unknown,
    callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
  ) => {
    asked.push(hostname);
    const addresses = answers[hostname];
    if (!addresses) {
      return process.nextTick(() =>
        callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []),
      );
    }
    process.nextTick(() =>
      callback(
        null,
        addresses.map((address) => ({ address, family: net.isIPv6(address) ? 6 : 4 })),
      ),
    );
  }) as unknown as LookupFunction;
  return { lookup, asked };
}

export interface ConnectCall {
  host: string;
  port: number;
  servername?: string;
}

export interface GuardedConnect {
  connect: (options: ConnectCall) => net.Socket;
  /** Every call, allowed or not. */
  calls: ConnectCall[];
  /** Calls to an address outside 127.0.0.0/8: the test must end with none. */
  violations: ConnectCall[];
}

/** Connects to loopback IPv4 only; with `loopbackToo: false`, to nothing at all. */
export function guardedConnect({ loopbackToo }: { loopbackToo: boolean }): GuardedConnect {
  const calls: ConnectCall[] = [];
  const violations: ConnectCall[] = [];
  const connect = (options: ConnectCall) => {
    calls.push(options);
    if (!loopbackToo || !isLoopbackV4(options.host)) {
      violations.push(options);
      throw new Error(`the test forbids connecting to ${options.host}:${options.port}`);
    }
    return net.connect({ host: options.host, port: options.port });
  };
  return { connect, calls, violations };
}

function isLoopbackV4(host: string): boolean {
  return net.isIPv4(host) && host.startsWith('127.');
}
