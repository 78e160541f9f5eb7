import { inTransaction, type Db } from '@postdate/db';
import type { WebhookUrlRules } from '@postdate/webhook';
import { NotFoundError } from '../errors';
import type { UpdateWebhookEndpointInput } from './webhook-endpoint-input';
import { ENDPOINT_COLUMNS, toWebhookEndpointView, type WebhookEndpointRow, type WebhookEndpointView } from './webhook-endpoint-view';
import { acceptableWebhookUrl } from './webhook-url';

/**
 * Changes what a client may change of its endpoint; fields not given stay. Disabling through the API says
 * so; re-enabling a disabled endpoint clears why it was disabled and its failure streak, so it gets the
 * whole disable period again. Deliveries already ended by the disable are not revived (redeliver them).
 */
export function updateWebhookEndpoint(
  db: Db,
  tenantId: bigint,
  id: bigint,
  patch: UpdateWebhookEndpointInput,
  rules: WebhookUrlRules,
): Promise<WebhookEndpointView> {
  const url = patch.url === undefined ? null : acceptableWebhookUrl(patch.url, rules);
  const enabled = patch.enabled ?? null;
  return inTransaction(db, async (tx) => {
    // One statement under the endpoint's row lock: each CASE reads the row as it was before this change, so a
    // record that disabled it a moment earlier is seen (and a re-enable clears exactly that).
    const [row] = await tx.$queryRaw<WebhookEndpointRow[]>`
      UPDATE webhook_endpoint SET
        url = coalesce(${url}, url),
        event_types = coalesce(${patch.events ?? null}::text[], event_types),
        description = CASE WHEN ${patch.description !== undefined} THEN ${patch.description ?? null} ELSE description END,
        enabled = coalesce(${enabled}::boolean, enabled),
        disabled_reason = CASE WHEN ${enabled}::boolean AND NOT enabled THEN NULL
                               WHEN NOT ${enabled}::boolean AND enabled THEN 'disabled through the API'
                               ELSE disabled_reason END,
        disabled_at = CASE WHEN ${enabled}::boolean AND NOT enabled THEN NULL
                           WHEN NOT ${enabled}::boolean AND enabled THEN now()
                           ELSE disabled_at END,
        failing_since = CASE WHEN ${enabled}::boolean AND NOT enabled THEN NULL ELSE failing_since END,
        updated_at = now()
      WHERE id = ${id} AND tenant_id = ${tenantId}
      RETURNING ${ENDPOINT_COLUMNS}`;
    if (!row) throw new NotFoundError(`webhook endpoint ${id} not found`);
    return toWebhookEndpointView(row);
  });
}
