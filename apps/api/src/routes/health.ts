import { Router } from 'express';
import { checkReadiness } from '@postdate/observability';
import type { ApiContext } from '../api-context';

export function healthRoutes(ctx: ApiContext): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    if (ctx.isShuttingDown()) {
      res.status(503).json({ ready: false, checks: { shutdown: 'draining' } });
      return;
    }
    const report = await checkReadiness({ postgres: () => ctx.db.$queryRaw`SELECT 1`, redis: () => ctx.redis.ping() });
    res.status(report.ready ? 200 : 503).json(report);
  });
  return router;
}
