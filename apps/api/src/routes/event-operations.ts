import { z } from 'zod';
import { EVENT_TYPES, eventPageSchema, eventViewSchema, redeliverySchema } from '@postdate/domain';
import { defineOperation } from '../openapi/api-operation';
import { eventExample } from '../openapi/examples';

export const listEventsQuerySchema = z.strictObject({
  emailId: z.string().max(20).optional().meta({ description: "Only this email's events." }),
  type: z.enum(EVENT_TYPES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(20).optional().meta({ description: "The previous page's nextCursor." }),
});

const eventId = z.object({ id: z.string().meta({ description: 'evt_<32 hex>', examples: [eventExample.id] }) });

/** POST /v1/events/{id}/redeliver: to one endpoint of the tenant's, or (no body) to every enabled endpoint subscribed now. */
export const redeliverEventSchema = z
  .strictObject({ endpointId: z.string().max(20).optional().meta({ description: 'Only to this endpoint (subscribed to the type or not; it must be enabled).' }) })
  .default({})
  .meta({ id: 'RedeliverEventRequest' });

/** The event endpoints: what `events.ts` validates requests with and answers, and what the document says of them. */
export const eventOperations = {
  list: defineOperation({
    method: 'get',
    path: '/v1/events',
    operationId: 'listEvents',
    tag: 'Events',
    summary: "List the tenant's delivery events, newest first",
    description: 'Every status change of an email writes its event in the same transaction (the outbox webhooks also push).',
    request: { query: listEventsQuerySchema },
    responses: { 200: { description: 'One page.', schema: eventPageSchema } },
    errors: [400],
  }),
  get: defineOperation({
    method: 'get',
    path: '/v1/events/{id}',
    operationId: 'getEvent',
    tag: 'Events',
    summary: 'Read an event',
    request: { params: eventId },
    responses: { 200: { description: 'The event.', schema: eventViewSchema, example: eventExample } },
    errors: [404],
  }),
  redeliver: defineOperation({
    method: 'post',
    path: '/v1/events/{id}/redeliver',
    operationId: 'redeliverEvent',
    tag: 'Events',
    summary: 'Send an event to webhook endpoints again',
    description: 'New deliveries with a fresh retry schedule, the same webhook-id: to every enabled endpoint subscribed to its type now, or to the one named.',
    request: { params: eventId, body: redeliverEventSchema, bodyExample: { endpointId: '7' } },
    responses: { 202: { description: 'Queued for delivery.', schema: redeliverySchema } },
    errors: [404, 409],
  }),
};
