import { createStatementBatcher, runInDistinctRounds, type StatementBatcherOptions } from '../src/statement-batcher';

/** A statement whose completion the test controls, recording the batches it was given. */
function controlledStatement() {
  const batches: number[][] = [];
  const finishers: (() => void)[] = [];
  const run = (requests: number[]) => {
    batches.push(requests);
    return new Promise<string[]>((resolve) => finishers.push(() => resolve(requests.map((r) => `done ${r}`))));
  };
  const finishNext = async () => {
    finishers.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { run, batches, finishNext };
}

test('with nothing in flight a request goes at once, alone', async () => {
  const statement = controlledStatement();
  const submit = createStatementBatcher(statement.run, { maxBatchSize: 50, maxInFlight: 1 });
  const answer = submit(1);
  await Promise.resolve();
  expect(statement.batches).toEqual([[1]]);
  await statement.finishNext();
  await expect(answer).resolves.toBe('done 1');
});

test('requests that arrive while a statement is in flight go together in the next one, each answered', async () => {
  const statement = controlledStatement();
  const submit = createStatementBatcher(statement.run, { maxBatchSize: 3, maxInFlight: 1 });
  const first = submit(1);
  await Promise.resolve();
  const later = [2, 3, 4, 5, 6].map((n) => submit(n));
  await Promise.resolve();
  expect(statement.batches).toEqual([[1]]);
  await statement.finishNext();
  expect(statement.batches).toEqual([[1], [2, 3, 4]]);
  await statement.finishNext();
  expect(statement.batches).toEqual([[1], [2, 3, 4], [5, 6]]);
  await statement.finishNext();
  await expect(first).resolves.toBe('done 1');
  await expect(Promise.all(later)).resolves.toEqual(['done 2', 'done 3', 'done 4', 'done 5', 'done 6']);
});

test('requests made in one turn of the event loop share a statement; maxInFlight statements run at once', async () => {
  const statement = controlledStatement();
  const submit = createStatementBatcher(statement.run, { maxBatchSize: 2, maxInFlight: 2 });
  const answers = [1, 2, 3, 4, 5].map((n) => submit(n));
  await Promise.resolve();
  expect(statement.batches).toEqual([[1, 2], [3, 4]]);
  await statement.finishNext();
  expect(statement.batches).toEqual([[1, 2], [3, 4], [5]]);
  await statement.finishNext();
  await statement.finishNext();
  await expect(Promise.all(answers)).resolves.toHaveLength(5);
});

test('a failed batch is run again request by request: a passing failure costs the batch nothing', async () => {
  let calls = 0;
  const batches: number[][] = [];
  const submit = createStatementBatcher(
    async (requests: number[]) => {
      batches.push(requests);
      if (++calls === 1) throw new Error('connection lost');
      return requests.map((r) => r * 10);
    },
    { maxBatchSize: 10, maxInFlight: 1 },
  );
  await expect(Promise.all([submit(1), submit(2)])).resolves.toEqual([10, 20]);
  expect(batches).toEqual([[1, 2], [1], [2]]);
  await expect(submit(3)).resolves.toBe(30);
});

test('only the request the statement cannot serve fails; the others of its batch are answered', async () => {
  const submit = createStatementBatcher(
    async (requests: number[]) => {
      if (requests.includes(2)) throw new Error('row 2 breaks a constraint');
      return requests.map((r) => r * 10);
    },
    { maxBatchSize: 10, maxInFlight: 1 },
  );
  const answers = await Promise.all([1, 2, 3].map((r) => submit(r).catch((e: Error) => e.message)));
  expect(answers).toEqual([10, 'row 2 breaks a constraint', 30]);
});

test('a statement that answers the wrong number of rows fails instead of misattributing results', async () => {
  const submit = createStatementBatcher(async (requests: number[]) => requests.slice(1), { maxBatchSize: 10, maxInFlight: 1 });
  // The batch of two answered one row; run alone, each answers none: never a result given to the wrong request.
  await expect(Promise.all([submit(1), submit(2)])).rejects.toThrow(/answered 0 of 1/);
});

describe('waiting for company (maxWaitMs)', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['queueMicrotask', 'nextTick', 'setImmediate'] }));
  afterEach(() => jest.useRealTimers());
  const settle = async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };

  /** A statement that answers at once, recording the batches it was given. */
  const recordingBatcher = (options: StatementBatcherOptions) => {
    const batches: number[][] = [];
    const submit = createStatementBatcher(async (requests: number[]) => {
      batches.push(requests);
      return requests;
    }, options);
    return { submit, batches };
  };

  test('the first request of a batch waits maxWaitMs, and whatever arrives meanwhile goes with it', async () => {
    const { submit, batches } = recordingBatcher({ maxBatchSize: 50, maxInFlight: 2, maxWaitMs: 10 });
    const answers = [submit(1)];
    await settle();
    expect(batches).toEqual([]); // waiting for company
    jest.advanceTimersByTime(4);
    answers.push(submit(2), submit(3));
    await settle();
    expect(batches).toEqual([]);
    jest.advanceTimersByTime(6); // 10 ms after the first arrived
    await settle();
    expect(batches).toEqual([[1, 2, 3]]);
    await expect(Promise.all(answers)).resolves.toEqual([1, 2, 3]);

    const next = submit(4); // a new batch waits again, from its own first request
    jest.advanceTimersByTime(9);
    await settle();
    expect(batches).toEqual([[1, 2, 3]]);
    jest.advanceTimersByTime(1);
    await settle();
    expect(batches).toEqual([[1, 2, 3], [4]]);
    await next;
  });

  test('a full batch does not wait', async () => {
    const { submit, batches } = recordingBatcher({ maxBatchSize: 3, maxInFlight: 1, maxWaitMs: 1000 });
    const full = [submit(1), submit(2), submit(3)];
    await settle();
    expect(batches).toEqual([[1, 2, 3]]);
    await Promise.all(full);
  });
});

test('duplicate keys go in later rounds, in order, and answers keep request order', async () => {
  const rounds: string[][] = [];
  const answers = await runInDistinctRounds(['a', 'b', 'a', 'c', 'a', 'b'], (r) => r, async (round) => {
    rounds.push(round);
    return round.map((r) => `${r}${rounds.length}`);
  });
  expect(rounds).toEqual([['a', 'b', 'c'], ['a', 'b'], ['a']]);
  expect(answers).toEqual(['a1', 'b1', 'a2', 'c1', 'a3', 'b2']);
});
