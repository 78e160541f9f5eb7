import type { Db } from '@postdate/db';
import { NotFoundError } from '../errors';
import { ENDPOINT_COLUMNS, toWebhookEndpointView, type WebhookEndpointRow, type WebhookEndpointView } from './webhook-endpoint-view';

/** A tenant's endpoints, oldest first (a tenant has a handful: no pagination). */
export async function listWebhookEndpoints(db: Db, tenantId: bigint): Promise<WebhookEndpointView[]> {
  const rows = await db.$queryRaw<WebhookEndpointRow[]>`
    SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoint WHERE tenant_id = ${tenantId} ORDER BY id`;
  return rows.map(toWebhookEndpointView);
}

/** One endpoint of this tenant's; another tenant's is indistinguishable from none. */
export async function findWebhookEndpoint(db: Db, tenantId: bigint, id: bigint): Promise<WebhookEndpointView> {
  const [row] = await db.$queryRaw<WebhookEndpointRow[]>`
    SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoint WHERE id = ${id} AND tenant_id = ${tenantId}`;
  if (!row) throw new NotFoundError(`webhook endpoint ${id} not found`);
  return toWebhookEndpointView(row);
}
