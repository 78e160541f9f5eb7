import { Router } from 'express';
import type { ApiContext } from '../api-context';
import { buildApiDocument, type ApiDocument } from './api-document';
import { docsRoutes } from './docs-page';

/** GET /openapi.json (this deployment's limits in it) and the page that renders it, GET /docs. No API key. */
export function openApiRoutes(ctx: ApiContext): Router {
  const router = Router();
  let document: ApiDocument | undefined;
  router.get('/openapi.json', (_req, res) => {
    // Built on first use: a process that is never asked for it never spends the time.
    document ??= buildApiDocument(ctx.config);
    res.json(document);
  });
  router.use(docsRoutes());
  return router;
}
