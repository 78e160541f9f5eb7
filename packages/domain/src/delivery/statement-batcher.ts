export interface StatementBatcherOptions {
  /** Most requests one statement carries. 1 turns batching off: every request is its own statement. */
  maxBatchSize: number;
  /** Statements of this kind in flight at once; requests arriving meanwhile wait and go together. */
  maxInFlight: number;
  /**
   * Under load (the previous statement went out less than this long ago), how long the first request of
   * a batch waits for others to join. After a quiet spell a request goes at once. 0: never wait.
   */
  maxWaitMs?: number;
  /** Told the size of each batch sent, for metrics. */
  onBatch?: (size: number) => void;
}

/**
 * Group commit for one kind of statement: callers ask for one row at a time, and requests that arrive
 * while earlier statements are in flight are sent together as the next one. Under steady load requests
 * also wait up to `maxWaitMs` for company: without that, deliveries arriving a few ms apart would each
 * pay a whole statement, and the statement's fixed cost (not the database) is what limits throughput.
 * A request after a quiet spell never waits.
 *
 * `run` answers a batch in request order. If it throws, every request of that batch gets the error.
 */
export function createStatementBatcher<Request, Result>(
  run: (requests: Request[]) => Promise<Result[]>,
  options: StatementBatcherOptions,
): (request: Request) => Promise<Result> {
  interface Pending {
    request: Request;
    resolve: (result: Result) => void;
    reject: (error: unknown) => void;
  }
  const waiting: Pending[] = [];
  let inFlight = 0;
  let lastSentAt = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const maxWaitMs = options.maxWaitMs ?? 0;

  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    while (inFlight < options.maxInFlight && waiting.length > 0) {
      const batch = waiting.splice(0, options.maxBatchSize);
      lastSentAt = Date.now();
      options.onBatch?.(batch.length);
      inFlight++;
      void runBatch(batch).finally(() => {
        inFlight--;
        flush();
      });
    }
  };

  const runBatch = async (batch: Pending[]) => {
    try {
      const results = await run(batch.map((p) => p.request));
      if (results.length !== batch.length) throw new Error(`batched statement answered ${results.length} of ${batch.length} requests`);
      batch.forEach((p, i) => p.resolve(results[i]!));
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  };

  return (request) =>
    new Promise<Result>((resolve, reject) => {
      waiting.push({ request, resolve, reject });
      if (waiting.length >= options.maxBatchSize) flush();
      else if (waiting.length === 1) {
        const underLoad = Date.now() - lastSentAt < maxWaitMs;
        // At load, wait for company; otherwise requests of this same turn of the event loop still share.
        if (underLoad) timer = setTimeout(flush, maxWaitMs);
        else queueMicrotask(flush);
      }
    });
}

/**
 * For statements that address each row at most once: splits a batch into rounds in which every key is
 * distinct (two duplicate jobs of one email in one batch, say), runs the rounds one after another, and
 * answers in request order. The later duplicate then sees what the earlier one did, as it would unbatched.
 */
export async function runInDistinctRounds<Request, Result>(
  requests: Request[],
  keyOf: (request: Request) => string,
  run: (round: Request[]) => Promise<Result[]>,
): Promise<Result[]> {
  const results = new Array<Result>(requests.length);
  let remaining = requests.map((request, index) => ({ request, index }));
  while (remaining.length > 0) {
    const seen = new Set<string>();
    const round: typeof remaining = [];
    const later: typeof remaining = [];
    for (const item of remaining) {
      const key = keyOf(item.request);
      (seen.has(key) ? later : round).push(item);
      seen.add(key);
    }
    const answered = await run(round.map((item) => item.request));
    round.forEach((item, i) => (results[item.index] = answered[i]!));
    remaining = later;
  }
  return results;
}
