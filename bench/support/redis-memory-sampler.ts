// Redis' used_memory sampled while a phase runs: its peak, and where it started.

export interface RedisMemoryReading {
  beforeBytes: number;
  peakBytes: number;
  peakMiB: number;
  /** Peak − before: what the phase itself added. */
  growthMiB: number;
}

export async function sampleRedisMemory(usedMemory: () => Promise<number>, intervalMs = 500) {
  const beforeBytes = await usedMemory();
  let peakBytes = beforeBytes;
  let pending: Promise<void> = Promise.resolve();
  const take = () => {
    pending = usedMemory().then(
      (bytes) => void (peakBytes = Math.max(peakBytes, bytes)),
      () => undefined,
    );
  };
  const timer = setInterval(take, intervalMs);
  return {
    async stop(): Promise<RedisMemoryReading> {
      clearInterval(timer);
      take();
      await pending;
      const mib = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;
      return { beforeBytes, peakBytes, peakMiB: mib(peakBytes), growthMiB: mib(peakBytes - beforeBytes) };
    },
  };
}
