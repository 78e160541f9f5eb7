import { connectDatabase, type Database } from '@postdate/db/client';
import { startRedisCluster, type RedisClusterServers } from '@postdate/test-support';
import { startCpuMeter, type CpuMeter } from './cpu-meter';
import { postgresProcesses } from './postgres-processes';
import { envInt, round1 } from './report';
import { startSinkProcess, type SinkProc, type SinkStats } from './sink-client';
import { withBenchServices, type BenchServices } from './services';

// What every delivery phase (bench:throughput, bench:workers, bench:lateness) runs against: the bench's own
// database and Redis, the counting sink in its own process, a Prisma client for seeding and checks, and a
// CPU meter that knows which Postgres backends, which redis-server and which sink are this run's.

export interface DeliveryBench {
  sink: SinkProc;
  db: Database;
  databaseUrl: string;
  redisUrl: string;
  /** A private three-master Redis Cluster as well, when the run asked for one (phase postdate-cluster). */
  redisCluster?: RedisClusterServers;
  redisUsedMemory: BenchServices['redisUsedMemory'];
  defer: BenchServices['defer'];
  /**
   * Starts metering CPU: `worker` is the phase's own sending processes (postdate's workers, a baseline's
   * processes); `postgres` this database's backends; `postgresShared` the WAL writer, checkpointer and
   * background writer (shared with any other database on the server); `redis`; `sink`; `bench` this process.
   */
  meter(senders: number[]): CpuMeter;
}

/** The size of one phase: how many emails, sending processes and recipients per email. */
export interface PhaseSize {
  emails: number;
  workers: number;
  recipients: number;
  timeoutMs: number;
}

export function phaseSizeFromEnv(emailsFallback: number): PhaseSize {
  return {
    emails: envInt('EMAILS', emailsFallback),
    workers: envInt('WORKERS', 2),
    recipients: envInt('RECIPIENTS', 3),
    timeoutMs: envInt('PHASE_TIMEOUT_SECONDS', 300) * 1000,
  };
}

export async function withDeliveryBench<T>(
  label: string,
  work: (bench: DeliveryBench) => Promise<T>,
  smtpLatencyMs = 0,
  options: { redisCluster?: boolean } = {},
): Promise<T> {
  return withBenchServices(label, async ({ database, redis, redisUsedMemory, defer }) => {
    const redisCluster = options.redisCluster ? await startRedisCluster() : undefined;
    if (redisCluster) defer(() => redisCluster.stop());
    const sink = await startSinkProcess(smtpLatencyMs);
    defer(() => sink.close());
    const db = connectDatabase({ url: database.url, poolSize: 5 });
    defer(() => db.$disconnect());
    const [backend] = await db.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
    const postgres = postgresProcesses(backend!.pid, database.name);
    const processId = async (client: { info(section: 'server'): Promise<string> }) => Number(/process_id:(\d+)/.exec(await client.info('server'))?.[1]);
    // The cluster's masters count as Redis too: each phase meters whichever Redis it used (the other idles).
    const redisPids = [await processId(redis.client), ...(await Promise.all((redisCluster?.masters ?? []).map(processId)))];
    const meter = (senders: number[]) =>
      startCpuMeter({
        worker: () => senders,
        postgres: postgres.backends,
        postgresShared: postgres.background,
        redis: () => redisPids,
        sink: () => [sink.proc.pid],
        bench: () => [process.pid],
      });
    return work({ sink, db, databaseUrl: database.url, redisUrl: redis.url, ...(redisCluster ? { redisCluster } : {}), redisUsedMemory, defer, meter });
  });
}

/** Emails/s at the sink, from its first acceptance to its last: (n − 1) / window. */
export function deliveryRate(stats: SinkStats) {
  const windowMs = (stats.last ?? 0) - (stats.first ?? 0);
  return {
    emailsPerSecond: round1(((stats.count - 1) * 1000) / windowMs),
    windowMs,
    count: stats.count,
    duplicates: stats.duplicates,
  };
}

/** `total` split into `parts` near-equal whole shares. */
export function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

/** Email statuses of one tenant's rows, for a phase's check that everything it was given ended `sent`. */
export async function statusesOf(db: Database, tenantId: bigint): Promise<Record<string, number>> {
  const rows = await db.$queryRaw<{ status: string; n: bigint }[]>`
    SELECT status::text, count(*) AS n FROM scheduled_email WHERE tenant_id = ${tenantId} GROUP BY status`;
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/**
 * Between phases: VACUUM (ANALYZE) the tables a delivery updates, so one phase's dead rows are not the next
 * phase's autovacuum, and a moment for Postgres' background writes to settle.
 */
export async function settleBetweenPhases(db: Database): Promise<void> {
  await db.$executeRaw`VACUUM (ANALYZE) scheduled_email, recipient, delivery_attempt, event`;
  await db.$executeRaw`CHECKPOINT`;
}
