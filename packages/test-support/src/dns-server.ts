import { Resolver } from 'node:dns/promises';
import type { AddressInfo } from 'node:net';
import dns2 from 'dns2';

const { Packet } = dns2;

/**
 * An authoritative DNS server on 127.0.0.1 (UDP, a free port) answering TXT queries from what the test
 * published: NXDOMAIN for a name it holds nothing for, an empty answer for another record type. Point
 * DNS_SERVERS at `server`, and `resolver` is a node:dns resolver asking it.
 */
export interface DnsServer {
  port: number;
  /** `127.0.0.1:<port>`, as DNS_SERVERS takes it. */
  server: string;
  /** Publishes a TXT record (a value over 255 octets is split into character-strings, as DNS requires). */
  publishTxt(name: string, value: string): void;
  /** Removes every TXT record of a name. */
  unpublish(name: string): void;
  /** Answers SERVFAIL for everything while set: a resolver that cannot get an answer. */
  failing: boolean;
  /** node:dns's Resolver aimed at this server. */
  resolver: Resolver;
  queries: string[];
  close(): Promise<void>;
}

const normalise = (name: string) => name.toLowerCase().replace(/\.$/, '');

function characterStrings(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const strings: string[] = [];
  for (let i = 0; i < bytes.length; i += 255) strings.push(bytes.subarray(i, i + 255).toString('utf8'));
  return strings.length > 0 ? strings : [''];
}

export async function startDnsServer(): Promise<DnsServer> {
  const zone = new Map<string, string[]>();
  const queries: string[] = [];
  const state = { failing: false };

  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      response.header.aa = 1;
      const [question] = request.questions;
      if (!question || state.failing) {
        response.header.rcode = Packet.RCODE.SERVFAIL;
        return send(response);
      }
      const name = normalise(question.name);
      queries.push(name);
      const values = zone.get(name);
      if (!values) {
        response.header.rcode = Packet.RCODE.NXDOMAIN;
        return send(response);
      }
      if (question.type === Packet.TYPE.TXT) {
        for (const value of values) {
          response.answers.push({ name: question.name, type: Packet.TYPE.TXT, class: Packet.CLASS.IN, ttl: 1, data: characterStrings(value) } as never);
        }
      }
      send(response);
    },
  });
  const addresses = await server.listen({ udp: { port: 0, address: '127.0.0.1' } });
  const port = (addresses.udp as AddressInfo).port;
  const resolver = new Resolver({ timeout: 1_000, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);

  return {
    port,
    server: `127.0.0.1:${port}`,
    publishTxt(name, value) {
      zone.set(normalise(name), [...(zone.get(normalise(name)) ?? []), value]);
    },
    unpublish(name) {
      zone.delete(normalise(name));
    },
    get failing() {
      return state.failing;
    },
    set failing(value: boolean) {
      state.failing = value;
    },
    resolver,
    queries,
    close: async () => {
      await server.close();
    },
  };
}
