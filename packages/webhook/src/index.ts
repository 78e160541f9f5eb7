// @postdate/webhook: the HTTP side of a webhook — Standard Webhooks signing, the SSRF rules, and one bounded
// POST to an address that was checked. What to send and when (events, retries, endpoints) is the dispatcher's.
export { createWebhookSender } from './create-webhook-sender';
export type { WebhookMessage, WebhookResponse, WebhookSender, WebhookSenderOptions } from './webhook-sender';
export { checkWebhookUrl, MAX_WEBHOOK_URL_LENGTH } from './check-webhook-url';
export type { WebhookUrlCheck, WebhookUrlRules } from './check-webhook-url';
export { generateWebhookSecret } from './generate-webhook-secret';
export { RESPONSE_BODY_CAP } from './post-pinned';
