import type { SweepQueue } from './sweep-queue';

/** The sweeper's place in the overdue scan: the (due_at, id) of the last email a pass checked. */
export interface OverdueCursorLike {
  dueAt: Date;
  id: bigint;
}

/**
 * Keeps the overdue scan's place between sweep passes in Redis, beside the sweep queue, so whichever worker
 * runs the next pass resumes there. A flush forgets it with the jobs, and the next pass starts at the oldest
 * overdue email: exactly what a flush calls for.
 */
export function overdueCursorStore(queue: SweepQueue) {
  const key = queue.toKey('overdue-cursor');
  return {
    async load(): Promise<OverdueCursorLike | null> {
      const raw = await (await queue.getBackend().client).get(key);
      const match = raw ? /^(\d+):(\d+)$/.exec(raw) : null;
      return match ? { dueAt: new Date(Number(match[1])), id: BigInt(match[2]!) } : null;
    },
    async save(cursor: OverdueCursorLike | null): Promise<void> {
      const client = await queue.getBackend().client;
      if (cursor) await client.set(key, `${cursor.dueAt.getTime()}:${cursor.id}`);
      else await client.del(key);
    },
  };
}
