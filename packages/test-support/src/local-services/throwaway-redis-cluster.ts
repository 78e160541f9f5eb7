import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { freePorts } from '../free-port';
import { waitFor } from '../wait-for';
import { findOnPath } from './executables';
import { readLocalServicesSettings, type LocalServicesSettings } from './local-services-settings';
import { redisServerArguments } from './redis-server-arguments';
import { REDIS_INSTALL_HINT } from './redis-server-binary';

/** A private Redis Cluster of three masters (no replicas) on 127.0.0.1, for one test file or benchmark. */
export interface RedisClusterServers {
  /** Every master as `host:port`, comma-separated: a REDIS_CLUSTER_NODES value. */
  nodes: string;
  ports: number[];
  /**
   * A REDIS_CLUSTER_NODES value naming one master only, one that does NOT own `key`'s slot (say a queue
   * prefix such as `{pdt-…}`): a client given it must learn where that slot lives (MOVED) to reach its keys.
   */
  nodesNotOwning(key: string): Promise<string>;
  /** A cluster client for the test itself. */
  client: Cluster;
  /** A client of each master, for what concerns every node (DBSIZE, SCRIPT FLUSH…). */
  masters: Redis[];
  /** FLUSHALL on every master: what a flush of a whole cluster is. */
  flushAll(): Promise<void>;
  /** Stops every server and removes their folders. */
  stop(): Promise<void>;
}

const MASTERS = 3;
const SLOTS = 16_384;

/**
 * Three redis-server processes in cluster mode, children of this process, each with its own temporary folder
 * (nodes.conf) and its own bus port, joined with CLUSTER MEET and given a third of the slots each (what
 * `redis-cli --cluster create --cluster-replicas 0` does, without needing redis-cli). Resolves once every
 * node reports cluster_state:ok and knows the other two. Children left running are killed when this process
 * exits.
 */
export async function startRedisCluster(settings: LocalServicesSettings = readLocalServicesSettings(process.env)): Promise<RedisClusterServers> {
  const binary = findOnPath('redis-server', settings.searchPath);
  if (!binary) throw new Error(`this test starts a private Redis Cluster, and no redis-server is on PATH: ${REDIS_INSTALL_HINT}`);
  // Another process (a parallel test file) may bind one of the chosen ports before its redis-server does:
  // that node then never starts, or its admin reaches someone else's. Started over on new ports, twice.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(binary);
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
}

async function startOnce(binary: string): Promise<RedisClusterServers> {
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  const admins: Redis[] = [];
  const killAll = () => children.forEach((child) => child.exitCode === null && child.kill('SIGKILL'));
  process.once('exit', killAll);
  let client: Cluster | undefined;
  const stop = async () => {
    client?.disconnect();
    admins.forEach((admin) => admin.disconnect());
    await Promise.all(children.filter((c) => c.exitCode === null).map((c) => new Promise((resolve) => c.once('exit', resolve).kill('SIGKILL'))));
    process.removeListener('exit', killAll);
    dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
  };
  try {
    // Two ports each, all distinct: the bus port is not left to be port + 10000, which may be taken (or past 65535).
    const free = await freePorts(2 * MASTERS);
    const ports = free.slice(0, MASTERS);
    const busPorts = free.slice(MASTERS);
    for (let i = 0; i < MASTERS; i++) {
      const [port, busPort] = [ports[i]!, busPorts[i]!];
      const dir = mkdtempSync(path.join(tmpdir(), 'postdate-redis-cluster-'));
      dirs.push(dir);
      const clusterArguments = ['--cluster-enabled', 'yes', '--cluster-port', String(busPort), '--cluster-config-file', 'nodes.conf', '--dir', dir];
      const child = spawn(binary, [...redisServerArguments(port), ...clusterArguments], { stdio: 'ignore' });
      child.once('error', () => undefined);
      children.push(child);
      const admin = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => 100 });
      admin.on('error', () => undefined);
      admins.push(admin);
    }
    for (const admin of admins) await waitFor('a cluster node to answer', async () => (await admin.ping()) === 'PONG', 10_000);
    const ids = await Promise.all(admins.map((admin) => admin.call('CLUSTER', 'MYID')));
    if (children.some((child) => child.exitCode !== null) || new Set(ids).size !== MASTERS) {
      throw new Error('a cluster node did not start on its port (taken by another process meanwhile)');
    }
    // Distinct epochs up front, as redis-cli does, so no node has to win a configuration conflict first.
    await Promise.all(admins.map((admin, i) => admin.call('CLUSTER', 'SET-CONFIG-EPOCH', String(i + 1))));
    await Promise.all(admins.map((admin, i) => admin.call('CLUSTER', 'ADDSLOTSRANGE', String(Math.floor((i * SLOTS) / MASTERS)), String(Math.floor(((i + 1) * SLOTS) / MASTERS) - 1))));
    for (let i = 1; i < MASTERS; i++) await admins[0]!.call('CLUSTER', 'MEET', '127.0.0.1', String(ports[i]), String(busPorts[i]));
    for (const admin of admins) {
      await waitFor('every cluster node to see the cluster whole', async () => {
        const info = String(await admin.call('CLUSTER', 'INFO'));
        return /cluster_state:ok/.test(info) && /cluster_known_nodes:3\b/.test(info) && /cluster_slots_ok:16384\b/.test(info);
      }, 30_000, 100);
    }
    const nodes = ports.map((port) => `127.0.0.1:${port}`).join(',');
    client = new Cluster(ports.map((port) => ({ host: '127.0.0.1', port })), { redisOptions: { maxRetriesPerRequest: 1 } });
    client.on('error', () => undefined);
    const cluster = client;
    return {
      nodes,
      ports,
      client: cluster,
      masters: admins,
      async nodesNotOwning(key) {
        const slot = Number(await admins[0]!.call('CLUSTER', 'KEYSLOT', key));
        const owner = (await admins[0]!.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
        const ownerPort = owner.find(([from, to]) => slot >= from && slot <= to)![2][1];
        return `127.0.0.1:${ports.find((port) => port !== ownerPort)!}`;
      },
      async flushAll() {
        await Promise.all(admins.map((admin) => admin.flushall()));
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
