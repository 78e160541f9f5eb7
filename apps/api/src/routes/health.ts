import { Router } from 'express';
import { checkReadiness } from '@postdate/observability';
import { pingQueueRedis } from '@postdate/queue';
import type { ApiContext } from '../api-context';
import { reply } from '../openapi/api-operation';
import { healthOperations as op } from './health-operations';

export function healthRoutes(ctx: ApiContext): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    reply(res, op.liveness, 200, { status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    if (ctx.isShuttingDown()) {
      reply(res, op.readiness, 503, { ready: false, checks: { shutdown: 'draining' } });
      return;
    }
    const report = await checkReadiness({ postgres: () => ctx.db.$queryRaw`SELECT 1`, redis: () => pingQueueRedis(ctx.redis, ctx.config.QUEUE_PREFIX) }, ctx.log);
    reply(res, op.readiness, report.ready ? 200 : 503, report);
  });
  return router;
}
