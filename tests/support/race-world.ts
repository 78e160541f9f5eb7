import { startSmtpSink, type SinkBehaviour, type SmtpSink } from '@postdate/test-support';
import { startTestStack, type TestStack } from './test-stack';
import { workerVariables } from '@postdate/test-support';
import { startWorkerProcess, type WorkerProcess } from './worker-process';

/** Multiplies every scenario's size: CI runs 1; `RACE_SCALE=10 npm test -- tests/race` for a long run. */
export const raceScale = Math.max(1, Number(process.env.RACE_SCALE ?? 1));

/** mulberry32: a tiny seedable PRNG, so a failing schedule can be replayed with RACE_SEED. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function raceSeed(): number {
  const seed = process.env.RACE_SEED ? Number(process.env.RACE_SEED) : Math.floor(Math.random() * 2 ** 31);
  process.stdout.write(`race seed ${seed} (replay with RACE_SEED=${seed})\n`);
  return seed;
}

export interface RaceWorld {
  stack: TestStack;
  sink: SmtpSink;
  workers: WorkerProcess[];
  random: () => number;
  /** The Message-ID the deliverer gives an email: what the sink counts by. */
  messageIdOf(emailId: string): string;
  close(): Promise<void>;
}

/** N API requests and M worker processes at once against one database, one Redis and one counting SMTP sink. */
export async function startRaceWorld(options: {
  workers: number;
  redisUrl?: string;
  sink?: SinkBehaviour;
  workerOverrides?: Record<string, string>;
  /** Another Postgres server than DATABASE_URL's (a private one the scenario restarts). */
  adminDatabaseUrl?: string;
}): Promise<RaceWorld> {
  const random = seededRandom(raceSeed());
  const stack = await startTestStack({
    ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
    ...(options.adminDatabaseUrl ? { adminDatabaseUrl: options.adminDatabaseUrl } : {}),
    apiOverrides: { DATABASE_POOL_SIZE: '20' },
  });
  const sink = await startSmtpSink(options.sink);
  const variables = workerVariables(stack, sink.url, { WORKER_CONCURRENCY: '10', DATABASE_POOL_SIZE: '10', ...options.workerOverrides });
  const workers = await Promise.all(Array.from({ length: options.workers }, () => startWorkerProcess(variables)));
  return {
    stack,
    sink,
    workers,
    random,
    messageIdOf: (emailId) => `<postdate.${emailId}@${variables.MAIL_DOMAIN}>`,
    async close() {
      await Promise.all(workers.map((w) => w.kill('SIGTERM')));
      await stack.close();
      await sink.close();
    },
  };
}
