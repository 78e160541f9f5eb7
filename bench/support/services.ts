import { createTestDatabase, type TestDatabase } from '@postdate/db/testing';
import { freePort, freePorts, startRedisServer, type RedisServer } from '@postdate/test-support';

// Benchmarks never touch shared state: a database of their own cloned from the migrated template, and a
// redis-server of their own on a free port (so INFO memory measures only our keys, and stopping it is safe).

export { freePort, freePorts };

export interface BenchServices {
  database: TestDatabase;
  redis: RedisServer;
  /** Redis `used_memory` in bytes. */
  redisUsedMemory(): Promise<number>;
  /** Registers a clean-up step; they run in reverse order when the benchmark ends, however it ends. */
  defer(step: () => unknown): void;
}

/** Runs a benchmark with its own database (`postdate_bench_<label>_…`) and Redis, then removes both. */
export async function withBenchServices<T>(label: string, work: (services: BenchServices) => Promise<T>): Promise<T> {
  const steps: (() => unknown)[] = [];
  const defer = (step: () => unknown) => void steps.push(step);
  try {
    const redis = await startRedisServer();
    defer(async () => {
      redis.client.disconnect();
      await redis.stop();
    });
    const database = await createTestDatabase(`postdate_bench_${label}`);
    defer(() => database.drop());
    const redisUsedMemory = async () => Number(/used_memory:(\d+)/.exec(await redis.client.info('memory'))?.[1] ?? NaN);
    return await work({ database, redis, redisUsedMemory, defer });
  } finally {
    for (const step of steps.reverse()) {
      try {
        await step();
      } catch (error) {
        process.stderr.write(`clean-up step failed: ${(error as Error).message}\n`);
      }
    }
  }
}
