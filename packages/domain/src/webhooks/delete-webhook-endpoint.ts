import { inTransaction, type Db } from '@postdate/db';
import { NotFoundError } from '../errors';

/**
 * Removes an endpoint with its deliveries and their attempt log (ON DELETE CASCADE). A POST in flight to
 * it finishes, finds its delivery gone at the record and reports a lost claim; nothing is sent to it after.
 */
export function deleteWebhookEndpoint(db: Db, tenantId: bigint, id: bigint): Promise<void> {
  return inTransaction(db, async (tx) => {
    // The one lock order of webhooks — delivery rows, then their endpoint — also here: the deliveries being
    // POSTed right now are locked before the delete locks the endpoint and cascades to them, so a concurrent
    // record (which locks its delivery, then the endpoint) waits for this delete or this delete for it,
    // never each for the other.
    await tx.$queryRaw`
      SELECT d.id FROM webhook_delivery d JOIN webhook_endpoint w ON w.id = d.endpoint_id
      WHERE d.endpoint_id = ${id} AND w.tenant_id = ${tenantId} AND d.status = 'delivering'
      ORDER BY d.id
      FOR UPDATE OF d`;
    const deleted = await tx.$executeRaw`DELETE FROM webhook_endpoint WHERE id = ${id} AND tenant_id = ${tenantId}`;
    if (deleted === 0) throw new NotFoundError(`webhook endpoint ${id} not found`);
  });
}
