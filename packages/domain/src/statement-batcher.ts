export interface StatementBatcherOptions {
  /** Most requests one statement carries. 1 turns batching off: every request is its own statement. */
  maxBatchSize: number;
  /** Statements of this kind in flight at once; requests arriving meanwhile wait and go together. */
  maxInFlight: number;
  /** How long the first request of a batch waits for others to join (unless the batch fills). 0: never. */
  maxWaitMs?: number;
  /** Told the size of each batch sent, for metrics. */
  onBatch?: (size: number) => void;
}

/**
 * Group commit for one kind of statement: callers ask for one row at a time; requests that arrive while
 * earlier statements are in flight are sent together as the next one, and the first request of a batch
 * waits up to `maxWaitMs` for company. Without the wait, deliveries arriving a few ms apart would each pay
 * a whole statement, and that fixed cost (not the database) is what limits a worker's throughput; with it,
 * a worker's deliveries fall into step and share their statements. The price is at most `maxWaitMs` per
 * request.
 *
 * `run` answers a batch in request order. If it throws for a batch of several, each request is run again
 * on its own, one after another, and settles alone: one request the statement cannot serve (its row breaks
 * a constraint, say) fails only itself, never the requests that happened to share its statement. `run`
 * must therefore leave nothing behind when it throws (a transaction that rolls back).
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
  let timer: ReturnType<typeof setTimeout> | undefined;
  const maxWaitMs = options.maxWaitMs ?? 0;

  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    while (inFlight < options.maxInFlight && waiting.length > 0) {
      const batch = waiting.splice(0, options.maxBatchSize);
      options.onBatch?.(batch.length);
      inFlight++;
      void runBatch(batch).finally(() => {
        inFlight--;
        flush();
      });
    }
  };

  const runAndSettle = async (batch: Pending[]) => {
    const results = await run(batch.map((p) => p.request));
    if (results.length !== batch.length) throw new Error(`batched statement answered ${results.length} of ${batch.length} requests`);
    batch.forEach((p, i) => p.resolve(results[i]!));
  };

  const runBatch = async (batch: Pending[]) => {
    try {
      await runAndSettle(batch);
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error);
      for (const p of batch) await runAndSettle([p]).catch(p.reject);
    }
  };

  return (request) =>
    new Promise<Result>((resolve, reject) => {
      waiting.push({ request, resolve, reject });
      if (waiting.length >= options.maxBatchSize) flush();
      // Without a wait, requests made in the same turn of the event loop still share one statement.
      else if (waiting.length === 1) {
        if (maxWaitMs > 0) timer = setTimeout(flush, maxWaitMs);
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
