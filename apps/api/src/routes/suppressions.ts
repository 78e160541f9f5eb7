import { Router } from 'express';
import { addSuppression, listSuppressions, removeSuppression, NotFoundError } from '@postdate/domain';
import type { ApiContext } from '../api-context';
import { principalOf } from '../middleware/authenticate';
import { reply } from '../openapi/api-operation';
import { validate } from '../validate';
import { addSuppressionSchema, listSuppressionsQuerySchema, suppressionOperations as op } from './suppression-operations';

/** The tenant's suppression list: addresses postdate will not send to. */
export function suppressionRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const { tenantId } = principalOf(req);
    reply(res, op.list, 200, await listSuppressions(ctx.db, tenantId, validate(listSuppressionsQuerySchema, req.query, 'query')));
  });

  router.post('/', async (req, res) => {
    const { tenantId } = principalOf(req);
    const body = validate(addSuppressionSchema, req.body);
    const { suppression, created } = await addSuppression(ctx.db, tenantId, {
      address: body.address,
      reason: body.reason,
      ...(body.expiresAt ? { expiresAt: new Date(body.expiresAt) } : {}),
    });
    reply(res, op.add, created ? 201 : 200, suppression);
  });

  router.delete('/:address', async (req, res) => {
    const { tenantId } = principalOf(req);
    // Capped before anything parses it: an address is at most 320 characters.
    if (req.params.address.length > 320) throw new NotFoundError('not on the suppression list');
    await removeSuppression(ctx.db, tenantId, req.params.address);
    reply(res, op.remove, 204);
  });

  return router;
}
