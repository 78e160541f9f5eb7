import { pino } from 'pino';
import { freePort } from '@postdate/test-support';
import { startTestApi, type TestApi } from './support/test-api';

// The API's /readyz, on PORT and on API_METRICS_PORT, names the dependency that failed and keeps its
// error text (addresses, driver messages) for the log.

const lines: Record<string, unknown>[] = [];
const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
let stack: TestApi;

beforeAll(async () => {
  // Nothing listens there: every Redis command fails.
  const deadRedis = `redis://127.0.0.1:${await freePort()}`;
  stack = await startTestApi({ apiOverrides: { REDIS_URL: deadRedis, API_METRICS_PORT: '0' }, log });
});
afterAll(() => stack?.close());

test.each(['PORT', 'API_METRICS_PORT'])('/readyz on %s: 503 naming redis, no error text; the error is logged', async (which) => {
  const port = which === 'PORT' ? stack.api.port : stack.api.metricsPort;
  lines.length = 0;
  const response = await fetch(`http://127.0.0.1:${port}/readyz`);
  const text = await response.text();
  expect(response.status).toBe(503);
  expect(JSON.parse(text)).toEqual({ ready: false, checks: { postgres: 'ok', redis: 'unavailable' } });
  expect(text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|Stream|writeable|offline/i);
  expect(lines).toContainEqual(expect.objectContaining({ check: 'redis', msg: 'readiness check failed', err: expect.any(String) }));
});
