import { retryDelaySeconds, type DeliveryPolicy } from '../src/delivery/delivery-policy';

const policy: DeliveryPolicy = {
  leaseSeconds: 120,
  maxSendSeconds: 600,
  maxAttempts: 8,
  retryBaseSeconds: 30,
  retryMaxSeconds: 3600,
  leaseRecovery: 'at-least-once',
};
const middle = () => 0.5; // no jitter: factor 0.8 + 0.4 * 0.5 = 1

describe('retryDelaySeconds', () => {
  test('doubles with each attempt from the base', () => {
    expect([1, 2, 3, 4, 5].map((a) => retryDelaySeconds(policy, a, middle))).toEqual([30, 60, 120, 240, 480]);
  });

  test('is capped at retryMaxSeconds, however many attempts', () => {
    expect(retryDelaySeconds(policy, 8, middle)).toBe(3600);
    expect(retryDelaySeconds(policy, 100, middle)).toBe(3600);
    expect(retryDelaySeconds(policy, 5000, middle)).toBe(3600); // 2 ** 4999 is Infinity; still the cap
  });

  test('jitter never takes a delay above the cap', () => {
    expect(retryDelaySeconds(policy, 20, () => 0.999999)).toBe(3600);
    expect(retryDelaySeconds(policy, 20, () => 0)).toBe(2880); // 3600 * 0.8: jitter still spreads capped retries
  });

  test('attempt 0 or below counts as the first', () => {
    expect(retryDelaySeconds(policy, 0, middle)).toBe(30);
    expect(retryDelaySeconds(policy, -3, middle)).toBe(30);
  });

  test('jitter stays within ±20%', () => {
    expect(retryDelaySeconds(policy, 3, () => 0)).toBe(96); // 120 * 0.8
    expect(retryDelaySeconds(policy, 3, () => 0.999999)).toBe(144); // 120 * 1.2, rounded
    for (let i = 0; i < 1000; i++) {
      const attempt = 1 + (i % 12);
      const exact = Math.min(3600, 30 * 2 ** (attempt - 1));
      const delay = retryDelaySeconds(policy, attempt);
      expect(delay).toBeGreaterThanOrEqual(Math.floor(exact * 0.8));
      expect(delay).toBeLessThanOrEqual(Math.min(3600, Math.ceil(exact * 1.2)));
      expect(Number.isInteger(delay)).toBe(true);
    }
  });

  test('jitter spreads a burst: a hundred retries of one attempt do not all land on one second', () => {
    const delays = new Set(Array.from({ length: 100 }, () => retryDelaySeconds(policy, 4)));
    expect(delays.size).toBeGreaterThan(10);
  });

  test('never less than one second', () => {
    const tiny: DeliveryPolicy = { ...policy, retryBaseSeconds: 0, retryMaxSeconds: 0 };
    expect(retryDelaySeconds(tiny, 1, () => 0)).toBe(1);
    expect(retryDelaySeconds({ ...policy, retryBaseSeconds: 1 }, 1, () => 0)).toBe(1);
  });
});
