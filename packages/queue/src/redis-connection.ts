import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

/**
 * How long the API waits for one Redis reply, timed from the command's write. Far above a healthy Redis's
 * latency: well under a millisecond, and under 10 ms for the 1,000 jobs of the largest batch (measured by
 * SLOWLOG; the 130–380 ms such an enqueue took on a loaded 2-core machine went into building the jobs
 * before the write, which no timer counts). A command that gives up costs little: the rate limiter lets the
 * request through, a job not added is added by the sweeper. Not a setting: nothing to tune it for.
 */
export const PRODUCER_COMMAND_TIMEOUT_MS = 1000;

/** A Redis Cluster: seed nodes, and what every node of it is reached with (REDIS_CLUSTER_NODES, parsed). */
export interface RedisClusterTarget {
  nodes: { host: string; port: number }[];
  username?: string;
  password?: string;
  tls: boolean;
}

/** One Redis server (its URL) or a Redis Cluster. */
export type RedisTarget = string | RedisClusterTarget;

/** What postdate talks to Redis through: a client of one server, or of a cluster (which follows its slot map). */
export type RedisConnection = Redis | Cluster;

type Role = 'worker' | 'producer';

/**
 * Workers block on Redis and must retry forever (BullMQ requires maxRetriesPerRequest: null).
 * Producers on a request path must fail fast instead, so a Redis outage never stalls an API call:
 * the email is already committed and the sweeper will enqueue it. A refused or closed connection fails
 * at once (no offline queue); a silent one, that neither answers nor closes, is bounded twice over: each
 * command gives up after PRODUCER_COMMAND_TIMEOUT_MS, and a socket that has owed a reply that long is
 * destroyed and replaced (socketTimeout), so later commands fail at once while the replacement connects
 * rather than each waiting out the timeout on a dead socket. A cluster gets the same, per node.
 */
export function createRedisConnection(target: string, role: Role): Redis;
export function createRedisConnection(target: RedisTarget, role: Role): RedisConnection;
export function createRedisConnection(target: RedisTarget, role: Role): RedisConnection {
  if (typeof target !== 'string') return createClusterConnection(target, role);
  return new Redis(target, {
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: role === 'worker',
    connectTimeout: 5000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...(role === 'producer' ? { commandTimeout: PRODUCER_COMMAND_TIMEOUT_MS, socketTimeout: PRODUCER_COMMAND_TIMEOUT_MS } : {}),
  });
}

/**
 * /readyz's Redis check: one round trip to the server that holds postdate's keys. On a cluster that is the
 * master owning the prefix's slot, reached with a keyed read (a PING would go to any node, answering for one
 * postdate does not use and opening a connection to it); one server is PINGed, as it always was.
 */
export function pingQueueRedis(redis: RedisConnection, prefix: string): Promise<unknown> {
  return redis instanceof Cluster ? redis.exists(`${prefix}:readiness`) : redis.ping();
}

/**
 * ioredis' Cluster: it reads the slot map from whichever seed answers, sends each command to the node that
 * owns its key (following MOVED and ASK when the map changes), and reconnects as the single client does.
 * Every key postdate writes carries the queue prefix's hash tag, so each script and pipeline stays in one slot.
 */
function createClusterConnection(target: RedisClusterTarget, role: Role): Cluster {
  const redisOptions: ClusterOptions['redisOptions'] & RedisOptions = {
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    connectTimeout: 5000,
    ...(role === 'producer' ? { commandTimeout: PRODUCER_COMMAND_TIMEOUT_MS, socketTimeout: PRODUCER_COMMAND_TIMEOUT_MS } : {}),
    ...(target.username ? { username: target.username } : {}),
    ...(target.password ? { password: target.password } : {}),
    ...(target.tls ? { tls: {} } : {}),
  };
  return new Cluster(target.nodes, {
    enableOfflineQueue: role === 'worker',
    clusterRetryStrategy: (times) => Math.min(times * 200, 2000),
    redisOptions,
    // Over TLS, nodes are reached by the names the cluster announces (certificates name hosts, not addresses).
    ...(target.tls ? { dnsLookup: (address: string, callback: (error: null, address: string) => void) => callback(null, address) } : {}),
  });
}
