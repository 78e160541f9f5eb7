import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { startProbeServer } from '../src/index';

// /readyz is reachable by whoever can reach the probe port; a dependency's error text (host names, ports,
// user names, driver internals) is for the operator's log, not for that caller.

const lines: Record<string, unknown>[] = [];
const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
const RAW_ERROR = 'connect ECONNREFUSED 10.20.30.40:5432 (role postdate_owner)';
let server: Server;
let base: string;

beforeAll(async () => {
  server = await startProbeServer({
    port: 0,
    host: '127.0.0.1',
    registry: new Registry(),
    isShuttingDown: () => false,
    log,
    checks: {
      postgres: () => Promise.reject(new Error(RAW_ERROR)),
      redis: () => Promise.resolve('PONG'),
      hung: () => new Promise(() => undefined),
    },
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

test('/readyz says which check failed, not how; the raw error and the timeout go to the log', async () => {
  const response = await fetch(`${base}/readyz`);
  const text = await response.text();
  expect(response.status).toBe(503);
  expect(JSON.parse(text)).toEqual({ ready: false, checks: { postgres: 'unavailable', redis: 'ok', hung: 'unavailable' } });
  expect(text).not.toMatch(/ECONNREFUSED|10\.20\.30\.40|postdate_owner|timed out/);
  expect(lines).toContainEqual(expect.objectContaining({ level: 40, check: 'postgres', err: RAW_ERROR, msg: 'readiness check failed' }));
  expect(lines).toContainEqual(expect.objectContaining({ level: 40, check: 'hung', err: expect.stringMatching(/timed out/), msg: 'readiness check failed' }));
  expect(lines.some((line) => line.check === 'redis')).toBe(false);
});
