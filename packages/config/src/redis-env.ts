import { isIP } from 'node:net';
import { z } from 'zod';
import { ConfigError } from './load-config';

// Where the API and the worker find Redis: one server (REDIS_URL) or a Redis Cluster (REDIS_CLUSTER_NODES).

/** A Redis Cluster as REDIS_CLUSTER_NODES names it: seed nodes, and what every node of it is reached with. */
export interface RedisClusterNodes {
  /** Where the client starts; it learns the rest of the cluster (and which node owns which slot) from them. */
  nodes: { host: string; port: number }[];
  username?: string;
  password?: string;
  /** rediss:// entries: TLS to every node. */
  tls: boolean;
}

const redisUrl = z
  .string()
  .url()
  .refine((v) => /^rediss?:\/\//.test(v), 'must be a redis:// or rediss:// URL');

const NODES_FORMAT = 'must be host:port entries (or redis:// / rediss:// URLs) separated by commas, e.g. 10.0.0.1:6379,10.0.0.2:6379';

/** `host:port`, `[v6]:port`. */
function hostAndPort(entry: string): { host: string; port: number } | null {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(entry);
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65535) return null;
  const host = match[1] ?? match[2]!;
  return match[1] !== undefined && isIP(host) !== 6 ? null : { host, port };
}

/**
 * The comma-separated seed nodes of a Redis Cluster. An entry is `host:port`, or a redis:// or rediss:// URL:
 * a host:port list has no room for a password or TLS, which managed clusters ask for, so those come with URL
 * entries and hold for every node (the client reaches nodes it was never given, found through the seeds).
 * Every URL entry must then say the same; a cluster has only database 0.
 */
const clusterNodes = z.string().transform((value, ctx): RedisClusterNodes => {
  const entries = value.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  const nodes: RedisClusterNodes['nodes'] = [];
  const access = new Set<string>();
  let cluster: RedisClusterNodes = { nodes, tls: false };
  for (const entry of entries) {
    if (!/^rediss?:\/\//.test(entry)) {
      const node = hostAndPort(entry);
      if (node) nodes.push(node);
      else ctx.addIssue({ code: 'custom', message: `${NODES_FORMAT}; not '${entry}'` });
      continue;
    }
    const url = URL.canParse(entry) ? new URL(entry) : null;
    if (!url || !url.hostname) {
      ctx.addIssue({ code: 'custom', message: `${NODES_FORMAT}; not a URL: an entry starting with redis://` });
      continue;
    }
    if (!['', '/', '/0'].includes(url.pathname)) ctx.addIssue({ code: 'custom', message: 'a Redis Cluster has only database 0: drop the /<db> from its URLs' });
    nodes.push({ host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port || 6379) });
    const username = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    access.add(JSON.stringify([url.protocol, username, password]));
    cluster = { nodes, tls: url.protocol === 'rediss:', ...(username ? { username } : {}), ...(password ? { password } : {}) };
  }
  if (access.size > 1) ctx.addIssue({ code: 'custom', message: 'its URL entries differ in scheme, user or password: one cluster is reached one way' });
  if (entries.length === 0) ctx.addIssue({ code: 'custom', message: NODES_FORMAT });
  return cluster;
});

/** The variables both the API and the worker read (migrate does not use Redis). */
export const redisRules = {
  /** One Redis server. */
  REDIS_URL: redisUrl.optional(),
  /** A Redis Cluster instead: its seed nodes. */
  REDIS_CLUSTER_NODES: clusterNodes.optional(),
};

/**
 * The part of a key Redis Cluster hashes: what lies between the first `{` and the first `}` after it, if that
 * is not empty (else the whole key). Keys sharing it share a slot.
 */
export function hashTag(key: string): string | null {
  const open = key.indexOf('{');
  const close = open === -1 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : null;
}

/**
 * Exactly one of REDIS_URL and REDIS_CLUSTER_NODES; on a cluster, a QUEUE_PREFIX with a hash tag. BullMQ's
 * scripts and postdate's own (fair priorities, the relay pause, the sweeper's job states) each touch several
 * keys of a queue at once, which a cluster allows only within one slot: every postdate key starts with the
 * prefix, so the prefix's tag puts them all in one. Runs even when other variables are wrong, so every
 * problem is reported at once.
 */
export const redisTargetCheck = z.superRefine<{ REDIS_URL?: unknown; REDIS_CLUSTER_NODES?: unknown; QUEUE_PREFIX?: unknown }>(
  (env, ctx) => {
    const cluster = env.REDIS_CLUSTER_NODES !== undefined;
    if (env.REDIS_URL === undefined && !cluster) {
      ctx.addIssue({ code: 'custom', path: ['REDIS_URL'], message: 'is required but not set (for a Redis Cluster, set REDIS_CLUSTER_NODES instead)' });
    }
    if (env.REDIS_URL !== undefined && cluster) {
      ctx.addIssue({ code: 'custom', path: ['REDIS_CLUSTER_NODES'], message: 'set either REDIS_URL (one Redis server) or REDIS_CLUSTER_NODES (a Redis Cluster), not both' });
    }
    if (cluster && typeof env.QUEUE_PREFIX === 'string' && hashTag(env.QUEUE_PREFIX) === null) {
      ctx.addIssue({
        code: 'custom',
        path: ['QUEUE_PREFIX'],
        message: `'${env.QUEUE_PREFIX}' has no hash tag, which a Redis Cluster (REDIS_CLUSTER_NODES) needs: wrap it in braces, e.g. {${env.QUEUE_PREFIX.replace(/[{}]/g, '') || 'postdate'}}, so that every key of a queue hashes to one slot`,
      });
    }
  },
  { when: () => true },
);

/** Where a loaded API or worker configuration finds Redis: REDIS_URL, or the cluster REDIS_CLUSTER_NODES names. */
export function redisTarget(config: { REDIS_URL?: string | undefined; REDIS_CLUSTER_NODES?: RedisClusterNodes | undefined }): string | RedisClusterNodes {
  const target = config.REDIS_CLUSTER_NODES ?? config.REDIS_URL;
  // Only a configuration that bypassed the schema (which requires one of them) gets here.
  if (target === undefined) throw new ConfigError(['REDIS_URL is required but not set (for a Redis Cluster, set REDIS_CLUSTER_NODES instead)']);
  return target;
}
