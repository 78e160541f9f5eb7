import { sendRateLimiter } from '../src/send-rate-limiter';

test.each([
  [14, { max: 1, duration: 71 }],
  [20, { max: 2, duration: 100 }],
  [200, { max: 20, duration: 100 }],
  [5, { max: 1, duration: 200 }],
  [1, { max: 1, duration: 1000 }],
])('%i per second → windows of %j: the same rate, no window of a whole second', (perSecond, limiter) => {
  expect(sendRateLimiter(perSecond)).toEqual(limiter);
  expect((limiter.max * 1000) / limiter.duration).toBeCloseTo(perSecond, -0.5);
});
