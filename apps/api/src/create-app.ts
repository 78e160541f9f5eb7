import express, { Router, type Express } from 'express';
import { mountBullBoard } from './admin/mount-bull-board';
import type { ApiContext } from './api-context';
import { authenticate } from './middleware/authenticate';
import { createFailedAuthLimiter } from './middleware/failed-auth-limit';
import { errorHandler, notFoundHandler } from './middleware/error-handler';
import { rateLimit } from './middleware/rate-limit';
import { rememberMount, requestLogging } from './middleware/request-logging';
import { openApiRoutes } from './openapi/openapi-routes';
import { emailRoutes } from './routes/emails';
import { eventRoutes } from './routes/events';
import { suppressionRoutes } from './routes/suppressions';
import { domainRoutes } from './routes/domains';
import { healthRoutes } from './routes/health';
import { webhookRoutes } from './routes/webhooks';

/** The HTTP surface. Thin by design: parse, authenticate, call the domain, render. */
export function createApp(ctx: ApiContext): Express {
  const app = express();
  app.disable('x-powered-by');
  // No ETag: it hashed every response body (creates included) for conditional GETs no client makes of
  // live email status.
  app.disable('etag');
  // req.ip, which the failed-authentication limit counts by: the peer, unless TRUST_PROXY names proxies.
  app.set('trust proxy', ctx.config.TRUST_PROXY);
  app.use(requestLogging(ctx.log, ctx.metrics));
  // While draining, tell keep-alive clients to reconnect elsewhere so idle sockets do not hold the drain open.
  app.use((_req, res, next) => {
    if (ctx.isShuttingDown()) res.set('Connection', 'close');
    next();
  });
  // The client API first: its requests, nearly all of the traffic, pass no other route's layers.
  app.use('/v1', clientApi(ctx));
  app.use(healthRoutes(ctx));
  app.use(openApiRoutes(ctx)); // GET /openapi.json and /docs, without an API key
  if (ctx.config.API_METRICS_PORT === undefined) {
    app.get('/metrics', async (_req, res) => {
      res.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
    });
  }
  mountBullBoard(app, ctx); // basic auth of its own, never the /v1 Bearer key; absent unless configured
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}

/** Everything under /v1: Bearer key, rate limit, JSON body, routes. */
function clientApi(ctx: ApiContext): Router {
  const v1 = Router();
  // Authenticate and rate-limit before reading a body: an anonymous client cannot make us parse megabytes.
  const failedAuth = createFailedAuthLimiter(ctx.redis, { perMinute: ctx.config.AUTH_FAILURES_PER_MINUTE, prefix: ctx.config.QUEUE_PREFIX });
  v1.use(authenticate(ctx.authenticateKey, failedAuth), rateLimit(ctx.redis, { perMinute: ctx.config.RATE_LIMIT_PER_MINUTE, prefix: ctx.config.QUEUE_PREFIX }));
  const json = (limit: number) => express.json({ limit, strict: true, type: ['application/json', 'application/*+json'] });
  // A batch carries up to MAX_BATCH_SIZE emails, so it may be larger; the first parser to run wins.
  v1.use('/emails/batch', json(ctx.config.BODY_LIMIT_BYTES * 10));
  v1.use(json(ctx.config.BODY_LIMIT_BYTES));
  v1.use('/emails', rememberMount, emailRoutes(ctx));
  v1.use('/events', rememberMount, eventRoutes(ctx));
  v1.use('/webhooks', rememberMount, webhookRoutes(ctx));
  v1.use('/suppressions', rememberMount, suppressionRoutes(ctx));
  const { keyring } = ctx.senderDomains;
  if (keyring) v1.use('/domains', rememberMount, domainRoutes(ctx, keyring));
  return v1;
}
