import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

// The lateness floor: a BullMQ worker whose processor does nothing but note how late it ran
// (now − the job's due time) and when. Parent → child: {type:'count'} → {type:'count', count};
// {type:'report'} → {type:'report', lateness, first, last} (first and last processing, epoch ms).

async function main() {
  const lateness: number[] = [];
  let first: number | null = null;
  let last: number | null = null;
  const connection = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: null });
  const worker = new Worker<{ dueAt: number }>(
    process.env.QUEUE_NAME!,
    async (job) => {
      const now = Date.now();
      first ??= now;
      last = now;
      lateness.push(now - job.data.dueAt);
    },
    { connection, prefix: process.env.QUEUE_PREFIX!, concurrency: Number(process.env.WORKER_CONCURRENCY ?? 20) },
  );
  await worker.waitUntilReady();
  process.on('message', (message: { type: string }) => {
    if (message.type === 'count') process.send!({ type: 'count', count: lateness.length });
    if (message.type === 'report') process.send!({ type: 'report', lateness: lateness.splice(0), first, last });
  });
  process.on('SIGTERM', () => void worker.close().then(() => process.exit(0)));
  process.send!({ type: 'ready' });
}

main().catch((error) => {
  process.stderr.write(`noop worker failed: ${String(error)}\n`);
  process.exit(1);
});
