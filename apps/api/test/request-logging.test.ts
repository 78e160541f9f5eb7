import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { pino } from 'pino';
import { createApiMetrics } from '../src/api-metrics';
import { rememberMount, requestLogging } from '../src/middleware/request-logging';

// The request log is what an operator greps when a client quotes a request id: one line per request at
// a level that matches its outcome, the id on every line written while serving it, probes kept quiet.

const lines: Record<string, unknown>[] = [];
const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
const metrics = createApiMetrics();
let base: string;
let server: Server;

beforeAll(async () => {
  const app = express();
  app.use(requestLogging(log, metrics));
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/v1/things/:id', (req, res) => {
    req.log.info({ thing: req.params.id }, 'thing read');
    res.json({ id: req.params.id });
  });
  app.get('/v1/missing', (_req, res) => void res.status(404).json({}));
  app.get('/v1/broken', (_req, res) => void res.status(500).json({}));
  app.get('/v1/slow', (_req, res) => void setTimeout(() => res.json({}), 2_000));
  const nested = express.Router();
  nested.get('/:id', (req) => {
    throw new Error(`cannot read ${req.params.id}`);
  });
  app.use('/v1/nested', rememberMount, nested);
  app.use(((_error, _req, res, _next) => void res.status(500).json({})) as express.ErrorRequestHandler);
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => (lines.length = 0));

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

test('a sane X-Request-Id is kept, echoed, and on every line of the request; completion carries status and time', async () => {
  const response = await fetch(`${base}/v1/things/7`, { headers: { 'x-request-id': 'client-req.42' } });
  expect(response.headers.get('x-request-id')).toBe('client-req.42');
  await settle();
  expect(lines.map((l) => l.msg)).toEqual(['thing read', 'request completed']);
  for (const line of lines) expect(line.req).toEqual({ id: 'client-req.42', method: 'GET', url: '/v1/things/7' });
  expect(lines[1]).toMatchObject({ level: 30, res: { statusCode: 200 }, responseTime: expect.any(Number) });
});

test.each([
  ['has spaces', 'a b'],
  ['is too long', 'x'.repeat(129)],
  ['carries a newline-ish byte', 'abc%0d'],
])('an X-Request-Id that %s is replaced by a fresh one', async (_what, given) => {
  const response = await fetch(`${base}/v1/things/1`, { headers: { 'x-request-id': given } });
  const id = response.headers.get('x-request-id');
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  await settle();
  expect((lines.at(-1)!.req as { id: string }).id).toBe(id);
});

test('4xx completes at warn, 5xx at error; probes are not logged but are timed', async () => {
  await fetch(`${base}/v1/missing`);
  await fetch(`${base}/v1/broken`);
  await fetch(`${base}/healthz`);
  await settle();
  expect(lines.map((l) => [l.msg, l.level, (l.res as { statusCode: number }).statusCode])).toEqual([
    ['request completed', 40, 404],
    ['request completed', 50, 500],
  ]);
  const histogram = await metrics.httpDuration.get();
  const counts = histogram.values.filter((v) => v.metricName?.endsWith('_count'));
  expect(counts).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ labels: { method: 'GET', route: '/healthz', status: '200' }, value: 1 }),
      expect.objectContaining({ labels: { method: 'GET', route: '/v1/things/:id', status: '200' }, value: 4 }),
    ]),
  );
});

test('a client that hangs up before the answer is logged as an aborted request', async () => {
  const controller = new AbortController();
  const pending = fetch(`${base}/v1/slow`, { signal: controller.signal }).catch(() => 'aborted');
  await settle();
  controller.abort();
  expect(await pending).toBe('aborted');
  await settle();
  expect(lines.map((l) => [l.msg, l.level])).toEqual([['request aborted', 40]]);
  // Nothing was answered, so the duration histogram (answered requests by status) does not count it.
  const histogram = await metrics.httpDuration.get();
  expect(histogram.values.filter((v) => v.labels.route === '/v1/slow')).toEqual([]);
});

test("a route that failed is labelled with its full path, as when it succeeds, though an outer handler answered", async () => {
  expect((await fetch(`${base}/v1/nested/9`)).status).toBe(500);
  const histogram = await metrics.httpDuration.get();
  const series = histogram.values.filter((v) => v.metricName?.endsWith('_count') && v.labels.status === '500');
  expect(series.map((v) => v.labels.route)).toContain('/v1/nested/:id');
});
