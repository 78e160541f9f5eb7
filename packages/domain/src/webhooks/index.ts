// Webhooks: the dispatch protocol (promote → claim → POST → record; leases recovered and lost jobs re-added
// by the sweeper) and the endpoints clients manage.
export type { WebhookPolicy } from './webhook-policy';
export { retryDelayAfter } from './webhook-policy';
export type { WebhookTarget, EnqueueWebhooks } from './webhook-target';
export { promoteDueWebhooks } from './promote-due-webhooks';
export { claimWebhooks } from './claim-webhooks';
export type { WebhookClaimRequest, WebhookClaimResult, WebhookClaimSettings, ClaimedWebhook } from './claim-webhooks';
export { recordWebhookAttempts } from './record-webhook-attempts';
export type { WebhookRecordRequest, WebhookRecordResult, WebhookRecordSettings, WebhookAttemptOutcome } from './record-webhook-attempts';
export { recoverWebhookLeases } from './recover-webhook-leases';
export { findOverdueWebhooks } from './find-overdue-webhooks';
export { sweepWebhooks } from './sweep-webhooks';
export type { WebhookSweepContext, WebhookSweepReport } from './sweep-webhooks';
export { createWebhookStatements } from './webhook-statements';
export type { WebhookStatements } from './webhook-statements';
export { webhookBody } from './webhook-body';
export { dispatchWebhook } from './dispatch-webhook';
export type { WebhookJob, WebhookDispatchContext, WebhookDispatchOutcome } from './dispatch-webhook';

export { createWebhookEndpointInputSchema, updateWebhookEndpointInputSchema } from './webhook-endpoint-input';
export type { CreateWebhookEndpointInput, UpdateWebhookEndpointInput } from './webhook-endpoint-input';
export { toWebhookEndpointView, parseWebhookEndpointId, webhookEndpointViewSchema, webhookEndpointWithSecretSchema, webhookEndpointListSchema } from './webhook-endpoint-view';
export type { WebhookEndpointView } from './webhook-endpoint-view';
export { createWebhookEndpoint } from './create-webhook-endpoint';
export { listWebhookEndpoints, findWebhookEndpoint } from './find-webhook-endpoints';
export { updateWebhookEndpoint } from './update-webhook-endpoint';
export { deleteWebhookEndpoint } from './delete-webhook-endpoint';
export { rotateWebhookSecret } from './rotate-webhook-secret';
export { listWebhookAttempts, webhookAttemptViewSchema, webhookAttemptPageSchema } from './list-webhook-attempts';
export type { WebhookAttemptView, WebhookAttemptPage } from './list-webhook-attempts';
export { redeliverEvent, redeliverySchema } from './redeliver-event';
export type { Redelivery } from './redeliver-event';
