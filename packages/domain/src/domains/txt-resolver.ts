import { Resolver } from 'node:dns/promises';

/** TXT lookups: each record as its character-strings, as node:dns answers. Tests pass a resolver of their own. */
export type ResolveTxt = (name: string) => Promise<string[][]>;

/**
 * Node's resolver (c-ares) asking `servers` (DNS_SERVERS), or the system's when none are given. Each query
 * waits 1.5 s and is tried twice per server, so one check stays within a few seconds when DNS is down.
 */
export function createTxtResolver(servers?: string[]): ResolveTxt {
  const resolver = new Resolver({ timeout: 1_500, tries: 2 });
  if (servers && servers.length > 0) resolver.setServers(servers);
  return (name) => resolver.resolveTxt(name);
}
