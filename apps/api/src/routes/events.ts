import { Router } from 'express';
import { z } from 'zod';
import { EVENT_TYPES, findEvent, listEvents, parseWebhookEndpointId, redeliverEvent } from '@postdate/domain';
import type { ApiContext } from '../api-context';
import { principalOf } from '../middleware/authenticate';
import { reply } from '../openapi/api-operation';
import { validate } from '../validate';
import { eventOperations, redeliverEventSchema } from './event-operations';

const listQuerySchema = z.strictObject({
  emailId: z.string().max(20).optional(),
  type: z.enum(EVENT_TYPES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(20).optional(),
});

/** A tenant's delivery events: the outbox, read back (webhooks push the same events). */
export function eventRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const { tenantId } = principalOf(req);
    res.json(await listEvents(ctx.db, tenantId, validate(listQuerySchema, req.query, 'query')));
  });

  router.get('/:id', async (req, res) => {
    const { tenantId } = principalOf(req);
    const { rowId: _rowId, ...event } = await findEvent(ctx.db, tenantId, req.params.id);
    res.json(event);
  });

  router.post('/:id/redeliver', async (req, res) => {
    const { tenantId } = principalOf(req);
    const { endpointId } = validate(redeliverEventSchema, req.body);
    const redelivery = await redeliverEvent(ctx.db, tenantId, req.params.id, endpointId === undefined ? undefined : parseWebhookEndpointId(endpointId));
    req.log.info({ eventId: redelivery.eventId, deliveries: redelivery.deliveries.length }, 'event redelivery requested');
    reply(res, eventOperations.redeliver, 202, redelivery);
  });

  return router;
}
