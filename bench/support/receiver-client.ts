import { nextMessage, spawnTs, type NodeProcess } from './processes';

export interface ReceiverStats {
  count: number;
  /** Distinct webhook-ids: fewer than count means some event came twice. */
  distinct: number;
  first: number | null;
  last: number | null;
  /** Per POST: its arrival − the event's createdAt, ms. */
  lagMs: number[];
}

export interface ReceiverProc {
  url: string;
  count(): Promise<number>;
  stats(): Promise<ReceiverStats>;
  reset(): Promise<void>;
  waitForCount(target: number, timeoutMs: number, onProgress?: (count: number) => void): Promise<void>;
  close(): Promise<void>;
}

/** bench/support/receiver-process.ts: a webhook receiver in its own process that answers 204 at once. */
export async function startReceiverProcess(): Promise<ReceiverProc> {
  const proc: NodeProcess = spawnTs('bench/support/receiver-process.ts', {});
  const ready = await nextMessage<{ type: 'ready'; url: string }>(proc, 'ready');
  const ask = async <T extends { type: string }>(type: string) => {
    const reply = nextMessage<T>(proc, type);
    proc.child.send({ type });
    return reply;
  };
  const receiver: ReceiverProc = {
    url: ready.url,
    count: async () => (await ask<{ type: 'count'; count: number }>('count')).count,
    stats: async () => ask<ReceiverStats & { type: 'stats' }>('stats'),
    reset: async () => void (await ask('reset')),
    async waitForCount(target, timeoutMs, onProgress) {
      const deadline = Date.now() + timeoutMs;
      let lastReport = 0;
      for (;;) {
        const count = await receiver.count();
        if (count >= target) return;
        if (Date.now() - lastReport > 5000) {
          onProgress?.(count);
          lastReport = Date.now();
        }
        if (Date.now() > deadline) throw new Error(`receiver got ${count}/${target} webhooks within ${timeoutMs}ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    close: async () => void (await proc.stop()),
  };
  return receiver;
}
