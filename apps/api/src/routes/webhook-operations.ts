import { z } from 'zod';
import {
  createWebhookEndpointInputSchema,
  updateWebhookEndpointInputSchema,
  webhookAttemptPageSchema,
  webhookEndpointListSchema,
  webhookEndpointViewSchema,
  webhookEndpointWithSecretSchema,
} from '@postdate/domain';
import { defineOperation } from '../openapi/api-operation';

const endpointId = z.object({ id: z.string().meta({ description: "The endpoint's id.", examples: ['7'] }) });

export const listWebhookAttemptsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(20).optional().meta({ description: "The previous page's nextCursor." }),
});

const endpointExample = {
  id: '7',
  object: 'webhook_endpoint',
  url: 'https://hooks.example.com/postdate',
  events: ['email.sent', 'email.failed'],
  description: 'orders service',
  enabled: true,
  disabledReason: null,
  disabledAt: null,
  failingSince: null,
  lastSuccessAt: '2026-11-30T18:25:26.138Z',
  previousSecretExpiresAt: null,
  createdAt: '2026-11-30T18:25:25.359Z',
  updatedAt: '2026-11-30T18:25:25.359Z',
};
const withSecret = { ...endpointExample, lastSuccessAt: null, secret: 'whsec_+GqDHRkE00wTG7DLG4Coe00Cb37jCVmH' };
const endpoint = { description: 'The endpoint (never its secret).', schema: webhookEndpointViewSchema, example: endpointExample };

/** The webhook endpoints: what `webhooks.ts` validates requests with and answers, and what the document says of them. */
export const webhookOperations = {
  create: defineOperation({
    method: 'post',
    path: '/v1/webhooks',
    operationId: 'createWebhookEndpoint',
    tag: 'Webhooks',
    summary: 'Register a webhook endpoint',
    description:
      'Events written from now on are POSTed to it, signed per Standard Webhooks. The URL must be https (http only where WEBHOOK_ALLOW_HTTP is on), without credentials, and not a private, loopback or link-local address literal.',
    request: {
      body: createWebhookEndpointInputSchema.meta({ id: 'CreateWebhookEndpointRequest' }),
      bodyExample: { url: 'https://hooks.example.com/postdate', events: ['email.sent', 'email.failed'], description: 'orders service' },
    },
    responses: {
      201: {
        description: 'Registered; `secret` is shown this once.',
        schema: webhookEndpointWithSecretSchema,
        example: withSecret,
        headers: z.object({ Location: z.string().meta({ description: '/v1/webhooks/{id}' }) }),
      },
    },
    errors: [],
  }),
  list: defineOperation({
    method: 'get',
    path: '/v1/webhooks',
    operationId: 'listWebhookEndpoints',
    tag: 'Webhooks',
    summary: "List the tenant's webhook endpoints",
    responses: { 200: { description: 'Every endpoint, oldest first.', schema: webhookEndpointListSchema } },
    errors: [],
  }),
  get: defineOperation({
    method: 'get',
    path: '/v1/webhooks/{id}',
    operationId: 'getWebhookEndpoint',
    tag: 'Webhooks',
    summary: 'Read a webhook endpoint',
    request: { params: endpointId },
    responses: { 200: endpoint },
    errors: [404],
  }),
  update: defineOperation({
    method: 'patch',
    path: '/v1/webhooks/{id}',
    operationId: 'updateWebhookEndpoint',
    tag: 'Webhooks',
    summary: 'Change a webhook endpoint',
    description: 'Fields not given stay. Re-enabling a disabled endpoint clears why it was disabled and its failure streak.',
    request: { params: endpointId, body: updateWebhookEndpointInputSchema.meta({ id: 'UpdateWebhookEndpointRequest' }), bodyExample: { enabled: true } },
    responses: { 200: { ...endpoint, description: 'The endpoint as the change left it.' } },
    errors: [404],
  }),
  remove: defineOperation({
    method: 'delete',
    path: '/v1/webhooks/{id}',
    operationId: 'deleteWebhookEndpoint',
    tag: 'Webhooks',
    summary: 'Delete a webhook endpoint, its deliveries and their attempts',
    request: { params: endpointId },
    responses: { 204: { description: 'Deleted: nothing more is sent to it.' } },
    errors: [404],
  }),
  rotateSecret: defineOperation({
    method: 'post',
    path: '/v1/webhooks/{id}/rotate-secret',
    operationId: 'rotateWebhookSecret',
    tag: 'Webhooks',
    summary: "Give an endpoint a new signing secret",
    description: 'The previous secret keeps signing beside the new one (two signatures per message) for WEBHOOK_SECRET_GRACE_HOURS.',
    request: { params: endpointId },
    responses: {
      200: {
        description: 'The new secret, shown this once.',
        schema: webhookEndpointWithSecretSchema,
        example: { ...withSecret, previousSecretExpiresAt: '2026-12-01T18:25:25.359Z' },
      },
    },
    errors: [404],
  }),
  attempts: defineOperation({
    method: 'get',
    path: '/v1/webhooks/{id}/attempts',
    operationId: 'listWebhookAttempts',
    tag: 'Webhooks',
    summary: 'List the POSTs made to an endpoint, newest first',
    request: { params: endpointId, query: listWebhookAttemptsQuerySchema },
    responses: { 200: { description: 'One page.', schema: webhookAttemptPageSchema } },
    errors: [400, 404],
  }),
};
