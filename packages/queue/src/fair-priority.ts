import type { RedisConnection } from './redis-connection';

/** BullMQ's lowest priority (its largest number). */
const LOWEST = 2_097_152;
// Long enough that a minute's ranks outlive every job of that minute still waiting.
const RANK_TTL_MS = 6 * 3_600_000;

export interface FairnessKey {
  tenantId: string;
  dueAt: Date;
  /** Ahead of everything ranked (a throttled email going back to the front of the line). */
  frontOfLine?: boolean;
}

/**
 * Job priorities that interleave tenants: each job is ranked among its tenant's jobs due in the same minute
 * (1 for the first, 2 for the second…) and gets priority 1 + rank, so of the jobs due at once every tenant's
 * first goes before any tenant's second. One tenant's burst of 100 000 holds another tenant's email back by
 * at most one job per tenant with work due, not by the burst. A front-of-line job gets 1. Ranks are counted
 * in Redis, shared by every API and worker process: one INCRBY per tenant and minute for a whole batch,
 * all in one pipeline: on a Redis Cluster the prefix's hash tag keeps its keys in one slot, as a pipeline needs.
 */
export async function fairPriorities(redis: RedisConnection, prefix: string, jobs: FairnessKey[]): Promise<number[]> {
  const groups = new Map<string, { count: number; minuteEndsAt: number }>();
  const keyOf = (job: FairnessKey) => `${prefix}:fair:${job.tenantId}:${Math.floor(job.dueAt.getTime() / 60_000)}`;
  for (const job of jobs) {
    if (job.frontOfLine) continue;
    const key = keyOf(job);
    const group = groups.get(key) ?? { count: 0, minuteEndsAt: (Math.floor(job.dueAt.getTime() / 60_000) + 1) * 60_000 };
    group.count++;
    groups.set(key, group);
  }
  if (groups.size === 0) return jobs.map(() => 1);
  const pipeline = redis.pipeline();
  for (const [key, group] of groups) pipeline.incrby(key, group.count).pexpireat(key, group.minuteEndsAt + RANK_TTL_MS);
  const answers = (await pipeline.exec()) ?? [];
  // Each key's INCRBY answer is its last rank: this batch's ranks end there.
  const next = new Map<string, number>();
  [...groups].forEach(([key, group], i) => {
    const [error, last] = answers[2 * i] ?? [];
    if (error) throw error;
    next.set(key, Number(last) - group.count + 1);
  });
  return jobs.map((job) => {
    if (job.frontOfLine) return 1;
    const key = keyOf(job);
    const rank = next.get(key)!;
    next.set(key, rank + 1);
    return Math.min(LOWEST, 1 + rank);
  });
}
