import { nextMessage, spawnTs, type NodeProcess } from './processes';

export interface SinkStats {
  count: number;
  received: number;
  first: number | null;
  last: number | null;
  duplicates: number;
  /** DATA answered 454 because the relay's rate (RELAY_MAX_PER_SECOND) was exceeded. */
  throttled: number;
  rcptPerMessage: number;
  /** Acceptance time − X-Send-At header, ms, for messages that carried the header. */
  lateness: number[];
  /** [X-Send-At, accepted at] per message, epoch ms. */
  dueAndAccepted: [number, number][];
}

export interface SinkProc {
  url: string;
  proc: NodeProcess;
  count(): Promise<number>;
  stats(): Promise<SinkStats>;
  reset(): Promise<void>;
  /** Polls until `target` messages were accepted; throws after timeoutMs with the count reached. */
  waitForCount(target: number, timeoutMs: number, onProgress?: (count: number) => void): Promise<void>;
  close(): Promise<void>;
}

/**
 * The counting sink in its own process; `latencyMs` delays every DATA reply, as a remote relay would;
 * `relayMaxPerSecond` answers 454 to messages beyond that many in any one second, as a throttling relay would.
 */
export async function startSinkProcess(latencyMs = 0, relayMaxPerSecond = 0): Promise<SinkProc> {
  const proc = spawnTs('bench/support/sink-process.ts', { SMTP_LATENCY_MS: String(latencyMs), RELAY_MAX_PER_SECOND: String(relayMaxPerSecond) });
  const ready = await nextMessage<{ type: 'ready'; url: string }>(proc, 'ready');
  // Requests are answered in order, one at a time: each helper waits for its own reply type.
  const ask = async <T extends { type: string }>(type: string) => {
    const reply = nextMessage<T>(proc, type);
    proc.child.send({ type });
    return reply;
  };
  const sink: SinkProc = {
    url: ready.url,
    proc,
    count: async () => (await ask<{ type: 'count'; count: number }>('count')).count,
    stats: async () => ask<SinkStats & { type: 'stats' }>('stats'),
    reset: async () => void (await ask('reset')),
    async waitForCount(target, timeoutMs, onProgress) {
      const deadline = Date.now() + timeoutMs;
      let lastReport = 0;
      for (;;) {
        const count = await sink.count();
        if (count >= target) return;
        if (Date.now() - lastReport > 5000) {
          onProgress?.(count);
          lastReport = Date.now();
        }
        if (Date.now() > deadline) throw new Error(`sink reached ${count}/${target} messages within ${timeoutMs}ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    close: async () => void (await proc.stop()),
  };
  return sink;
}
