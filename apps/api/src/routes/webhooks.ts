import { Router } from 'express';
import {
  createWebhookEndpoint,
  createWebhookEndpointInputSchema,
  deleteWebhookEndpoint,
  findWebhookEndpoint,
  listWebhookAttempts,
  listWebhookEndpoints,
  parseWebhookEndpointId,
  rotateWebhookSecret,
  updateWebhookEndpoint,
  updateWebhookEndpointInputSchema,
} from '@postdate/domain';
import type { ApiContext } from '../api-context';
import { principalOf } from '../middleware/authenticate';
import { reply } from '../openapi/api-operation';
import { validate } from '../validate';
import { listWebhookAttemptsQuerySchema, webhookOperations as op } from './webhook-operations';

/**
 * A tenant's webhook endpoints. The signing secret is in the answers of POST / and POST /:id/rotate-secret
 * only, and never in a log line; neither is the URL (it may carry a token).
 */
export function webhookRoutes(ctx: ApiContext): Router {
  const router = Router();
  const rules = { allowHttp: ctx.config.WEBHOOK_ALLOW_HTTP, allowPrivate: ctx.config.WEBHOOK_ALLOW_PRIVATE };

  router.post('/', async (req, res) => {
    const { tenantId } = principalOf(req);
    const endpoint = await createWebhookEndpoint(ctx.db, tenantId, validate(createWebhookEndpointInputSchema, req.body), rules);
    req.log.info({ endpointId: endpoint.id }, 'webhook endpoint created');
    res.location(`/v1/webhooks/${endpoint.id}`);
    reply(res, op.create, 201, endpoint);
  });

  router.get('/', async (req, res) => {
    const { tenantId } = principalOf(req);
    reply(res, op.list, 200, { data: await listWebhookEndpoints(ctx.db, tenantId) });
  });

  router.get('/:id', async (req, res) => {
    const { tenantId } = principalOf(req);
    reply(res, op.get, 200, await findWebhookEndpoint(ctx.db, tenantId, parseWebhookEndpointId(req.params.id)));
  });

  router.patch('/:id', async (req, res) => {
    const { tenantId } = principalOf(req);
    const id = parseWebhookEndpointId(req.params.id);
    reply(res, op.update, 200, await updateWebhookEndpoint(ctx.db, tenantId, id, validate(updateWebhookEndpointInputSchema, req.body), rules));
  });

  router.delete('/:id', async (req, res) => {
    const { tenantId } = principalOf(req);
    await deleteWebhookEndpoint(ctx.db, tenantId, parseWebhookEndpointId(req.params.id));
    reply(res, op.remove, 204);
  });

  router.post('/:id/rotate-secret', async (req, res) => {
    const { tenantId } = principalOf(req);
    const endpoint = await rotateWebhookSecret(ctx.db, tenantId, parseWebhookEndpointId(req.params.id), ctx.config.WEBHOOK_SECRET_GRACE_HOURS);
    req.log.info({ endpointId: endpoint.id }, 'webhook secret rotated');
    reply(res, op.rotateSecret, 200, endpoint);
  });

  router.get('/:id/attempts', async (req, res) => {
    const { tenantId } = principalOf(req);
    const id = parseWebhookEndpointId(req.params.id);
    reply(res, op.attempts, 200, await listWebhookAttempts(ctx.db, tenantId, id, validate(listWebhookAttemptsQuerySchema, req.query, 'query')));
  });

  return router;
}
