import { inTransaction, type Db } from '@postdate/db';
import { generateWebhookSecret } from '@postdate/webhook';
import { NotFoundError } from '../errors';
import { ENDPOINT_COLUMNS, toWebhookEndpointView, type WebhookEndpointRow, type WebhookEndpointView } from './webhook-endpoint-view';

/**
 * Gives an endpoint a new signing secret, returned this once. The one it replaces keeps signing beside it
 * (every message carries both signatures) for `graceHours`, so a receiver can switch without losing a
 * message; a second rotation within the grace drops the oldest at once.
 */
export function rotateWebhookSecret(db: Db, tenantId: bigint, id: bigint, graceHours: number): Promise<WebhookEndpointView & { secret: string }> {
  const secret = generateWebhookSecret();
  return inTransaction(db, async (tx) => {
    // SET reads the row as it was: the current secret becomes the previous one in the same statement.
    const [row] = await tx.$queryRaw<WebhookEndpointRow[]>`
      UPDATE webhook_endpoint
      SET previous_secret = secret, previous_secret_expires_at = now() + make_interval(secs => ${Math.round(graceHours * 3600)}),
          secret = ${secret}, updated_at = now()
      WHERE id = ${id} AND tenant_id = ${tenantId}
      RETURNING ${ENDPOINT_COLUMNS}`;
    if (!row) throw new NotFoundError(`webhook endpoint ${id} not found`);
    return { ...toWebhookEndpointView(row), secret };
  });
}
