import { freePort, isPostgresReachable, isRedisReachable } from '../src';

// Only ever 127.0.0.1: a port that was free a moment ago answers nobody, and the answer comes at once.
test('a closed port is not a Postgres, and saying so is quick', async () => {
  const started = Date.now();
  await expect(isPostgresReachable(`postgresql://postgres@127.0.0.1:${await freePort()}/postgres`)).resolves.toBe(false);
  expect(Date.now() - started).toBeLessThan(2000);
});

test('a closed port is not a Redis, and saying so is quick', async () => {
  const started = Date.now();
  await expect(isRedisReachable(`redis://127.0.0.1:${await freePort()}`)).resolves.toBe(false);
  expect(Date.now() - started).toBeLessThan(2000);
});
