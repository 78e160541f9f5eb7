import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from './logger';
import { checkReadiness, type ReadinessChecks } from './readiness';

/**
 * The worker's only HTTP surface (and the API's on API_METRICS_PORT): /healthz (the process answers),
 * /readyz (its dependencies answer; why one did not goes to `log`) and /metrics. Kept on node:http: it
 * needs no framework.
 */
export function startProbeServer(options: {
  port: number;
  host?: string;
  registry: Registry;
  checks: ReadinessChecks;
  isShuttingDown: () => boolean;
  log: Logger;
}): Promise<Server> {
  const server = createServer((req, res) => {
    const url = req.url?.split('?')[0];
    const reply = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (req.method !== 'GET') return reply(405, { error: { code: 'method_not_allowed', message: 'GET only' } });
    if (url === '/healthz') return reply(200, { status: 'ok' });
    if (url === '/readyz') {
      if (options.isShuttingDown()) return reply(503, { ready: false, checks: { shutdown: 'draining' } });
      return void checkReadiness(options.checks, options.log).then((report) => reply(report.ready ? 200 : 503, report));
    }
    if (url === '/metrics') {
      return void options.registry.metrics().then((text) => reply(200, text, options.registry.contentType));
    }
    return reply(404, { error: { code: 'not_found', message: 'no such endpoint' } });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve(server));
  });
}
