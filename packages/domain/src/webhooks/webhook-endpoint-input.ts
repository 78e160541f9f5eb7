import { z } from 'zod';
import { EVENT_TYPES } from '../events/event-types';

// The body of POST and PATCH /v1/webhooks. The URL's own rules (scheme, no credentials, no private IP
// literal) are @postdate/webhook's checkWebhookUrl, applied where the endpoint is written.

const url = z.string().min(1, 'url is required').max(2048, 'url is longer than 2048 characters');
/** Subscribed event types; a type listed twice counts once. */
const events = z
  .array(z.enum(EVENT_TYPES))
  .min(1, 'events needs at least one event type')
  .max(EVENT_TYPES.length * 2)
  .transform((types) => [...new Set(types)]);
const description = z.string().max(500, 'description is longer than 500 characters').refine((d) => !/[\r\n\0]/.test(d), 'description may not contain line breaks');

export const createWebhookEndpointInputSchema = z.strictObject({
  url,
  events,
  description: description.optional(),
  enabled: z.boolean().default(true),
});

export const updateWebhookEndpointInputSchema = z
  .strictObject({
    url: url.optional(),
    events: events.optional(),
    description: description.nullable().optional(),
    enabled: z.boolean().optional(),
  })
  .refine((patch) => Object.values(patch).some((v) => v !== undefined), 'nothing to change: give url, events, description or enabled');

export type CreateWebhookEndpointInput = z.infer<typeof createWebhookEndpointInputSchema>;
export type UpdateWebhookEndpointInput = z.infer<typeof updateWebhookEndpointInputSchema>;
