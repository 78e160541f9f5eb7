import { inTransaction, type Db } from '@postdate/db';
import { generateWebhookSecret, type WebhookUrlRules } from '@postdate/webhook';
import type { CreateWebhookEndpointInput } from './webhook-endpoint-input';
import { ENDPOINT_COLUMNS, toWebhookEndpointView, type WebhookEndpointRow, type WebhookEndpointView } from './webhook-endpoint-view';
import { acceptableWebhookUrl } from './webhook-url';

/**
 * Registers an endpoint for this tenant. Its signing secret is generated here and returned this once:
 * postdate shows it nowhere else (rotation makes a new one). Events written from the commit on are fanned
 * out to it; earlier ones can be sent with a redelivery.
 */
export function createWebhookEndpoint(
  db: Db,
  tenantId: bigint,
  input: CreateWebhookEndpointInput,
  rules: WebhookUrlRules,
): Promise<WebhookEndpointView & { secret: string }> {
  const url = acceptableWebhookUrl(input.url, rules);
  const secret = generateWebhookSecret();
  return inTransaction(db, async (tx) => {
    const [row] = await tx.$queryRaw<WebhookEndpointRow[]>`
      INSERT INTO webhook_endpoint (tenant_id, url, event_types, description, enabled, disabled_reason, disabled_at, secret)
      VALUES (${tenantId}, ${url}, ${input.events}::text[], ${input.description ?? null}, ${input.enabled},
              ${input.enabled ? null : 'disabled through the API'}, ${input.enabled ? null : new Date()}, ${secret})
      RETURNING ${ENDPOINT_COLUMNS}`;
    return { ...toWebhookEndpointView(row!), secret };
  });
}
