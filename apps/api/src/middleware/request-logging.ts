import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '@postdate/observability';
import type { ApiMetrics } from '../api-metrics';

declare module 'express-serve-static-core' {
  interface Request {
    /** This request's logger: every line it writes carries `req: { id, method, url }`. */
    log: Logger;
  }
}

const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;
const UNLOGGED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * A request id on every log line (taken from X-Request-Id when sane, else new), echoed in the response;
 * one 'request completed' line per request (warn for 4xx, error for 5xx; probes and scrapes unlogged)
 * and its duration in the HTTP histogram. Written by hand rather than with pino-http: this is all of
 * pino-http we used, at a fraction of its cost per request (BENCHMARKS.md, API profile).
 */
export function requestLogging(log: Logger, metrics: ApiMetrics): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', id);
    req.log = log.child({ req: { id, method: req.method, url: req.url } });
    // Read now: by the time the response closes, a router may have rewritten req.path to its own mount.
    const unlogged = UNLOGGED_PATHS.has(req.path);
    res.once('close', () => {
      const elapsedMs = performance.now() - started;
      const responseTime = Math.round(elapsedMs);
      if (!res.writableFinished) {
        // No status was sent: the histogram counts answered requests only, the log names the hang-up.
        req.log.warn({ responseTime }, 'request aborted');
        return;
      }
      // req.baseUrl is already unwound when an error handler answered; the mount recorded on the way in is not.
      const mount = typeof res.locals.mountPath === 'string' ? res.locals.mountPath : req.baseUrl;
      const route = req.route?.path ? `${mount}${req.route.path}` : 'unmatched';
      metrics.httpDuration.observe({ method: req.method, route, status: String(res.statusCode) }, elapsedMs / 1000);
      if (unlogged) return;
      const level = res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info';
      req.log[level]({ res: { statusCode: res.statusCode }, responseTime }, 'request completed');
    });
    next();
  };
}

/**
 * Put before a mounted router: records where it is mounted, so that the duration histogram labels the
 * router's routes in full (`/v1/emails/:id`) even when an error handler, outside the router, answered.
 */
export const rememberMount: RequestHandler = (req, res, next) => {
  res.locals.mountPath = req.baseUrl;
  next();
};
