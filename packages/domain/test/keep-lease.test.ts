import { keepLease, type LeaseEvent } from '@postdate/domain';

// The timer side of lease keeping, on Jest's clock; renew and send are stand-ins. The statement itself is
// exercised end to end in tests/e2e/lease-recovery.test.ts.

const policy = { leaseSeconds: 30, maxSendSeconds: 100 }; // a tick every 10 s

beforeEach(() => jest.useFakeTimers());
afterEach(() => {
  // Whatever happened, keepLease left no timer behind.
  expect(jest.getTimerCount()).toBe(0);
  jest.useRealTimers();
});

/** A send that ends when told to, plus everything keepLease reported meanwhile. */
function slowSend(renew: () => Promise<boolean>) {
  let finish: () => void = () => undefined;
  const events: LeaseEvent['outcome'][] = [];
  const done = keepLease(renew, policy, () => new Promise<string>((resolve) => (finish = () => resolve('accepted'))), (e) => events.push(e.outcome));
  return { done, events, finish: () => finish() };
}

test('a send that ends within a third of the lease renews nothing', async () => {
  const renew = jest.fn(async () => true);
  const send = keepLease(renew, policy, () => new Promise((resolve) => setTimeout(() => resolve('accepted'), 9_000)));
  await jest.advanceTimersByTimeAsync(9_000);
  await expect(send).resolves.toBe('accepted');
  await jest.advanceTimersByTimeAsync(60_000);
  expect(renew).not.toHaveBeenCalled();
});

test('a slow send renews every third of the lease until it ends, then never again', async () => {
  const renew = jest.fn(async () => true);
  const send = slowSend(renew);
  await jest.advanceTimersByTimeAsync(35_000);
  expect(renew).toHaveBeenCalledTimes(3);
  send.finish();
  await expect(send.done).resolves.toBe('accepted');
  await jest.advanceTimersByTimeAsync(60_000);
  expect(renew).toHaveBeenCalledTimes(3);
  expect(send.events).toEqual(['renewed', 'renewed', 'renewed']);
});

test('a renewal that hangs or fails does not hold back the next tick', async () => {
  const answers = [() => new Promise<boolean>(() => undefined), () => Promise.reject(new Error('connection reset')), async () => true];
  const renew = jest.fn(() => answers.shift()!());
  const send = slowSend(renew);
  await jest.advanceTimersByTimeAsync(30_000);
  expect(renew).toHaveBeenCalledTimes(3);
  expect(send.events).toEqual(['failed', 'renewed']);
  send.finish();
  await send.done;
});

test('a claim found taken back stops renewal', async () => {
  const renew = jest.fn(async () => false);
  const send = slowSend(renew);
  await jest.advanceTimersByTimeAsync(50_000);
  expect(renew).toHaveBeenCalledTimes(1);
  expect(send.events).toEqual(['lost']);
  send.finish();
  await send.done;
});

test('after maxSendSeconds the send is presumed hung: renewal stops, the send itself is left to end', async () => {
  const renew = jest.fn(async () => true);
  const send = slowSend(renew);
  await jest.advanceTimersByTimeAsync(200_000);
  expect(renew).toHaveBeenCalledTimes(9);
  expect(send.events).toEqual([...Array(9).fill('renewed'), 'gave_up']);
  send.finish();
  await expect(send.done).resolves.toBe('accepted');
});

test('a renewal still out when the send ends reports nothing, whatever it comes back with', async () => {
  let answer: (stillMine: boolean) => void = () => undefined;
  const send = slowSend(() => new Promise<boolean>((resolve) => (answer = resolve)));
  await jest.advanceTimersByTimeAsync(10_000);
  send.finish();
  await send.done;
  answer(false); // the row is `sent` by now, so the fence says "not mine"
  await jest.advanceTimersByTimeAsync(0);
  expect(send.events).toEqual([]);
});

test('a send that fails stops renewal and its error comes out as it was', async () => {
  const renew = jest.fn(async () => true);
  const refused = new Error('451 try later');
  const done = keepLease(renew, policy, () => new Promise((_, reject) => setTimeout(() => reject(refused), 15_000)));
  const settled = done.catch((error: unknown) => error);
  await jest.advanceTimersByTimeAsync(15_000);
  expect(await settled).toBe(refused);
  await jest.advanceTimersByTimeAsync(60_000);
  expect(renew).toHaveBeenCalledTimes(1);
});

test('a maxSendSeconds below a third of the lease renews nothing: the claim\'s own lease is the bound', async () => {
  const renew = jest.fn(async () => true);
  const events: string[] = [];
  const done = keepLease(renew, { leaseSeconds: 30, maxSendSeconds: 5 }, () => new Promise((resolve) => setTimeout(resolve, 40_000)), (e) =>
    events.push(e.outcome),
  );
  await jest.advanceTimersByTimeAsync(40_000);
  await done;
  expect(renew).not.toHaveBeenCalled();
  expect(events).toEqual(['gave_up']);
});
