import { keepLease, type LeaseEvent } from '@postdate/domain';

// The timer side of lease keeping, on Jest's clock; renew and send are stand-ins. The statement itself is
// exercised end to end in tests/e2e/lease-recovery.test.ts.

const policy = { leaseSeconds: 30, maxSendSeconds: 100 }; // a tick every 10 s

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

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
