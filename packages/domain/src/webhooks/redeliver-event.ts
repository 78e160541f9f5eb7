import { z } from 'zod';
import { inTransaction, Prisma, type Db } from '@postdate/db';
import { ConflictError, NotFoundError } from '../errors';
import { findEvent } from '../events/list-events';

export const redeliverySchema = z
  .strictObject({
    eventId: z.string(),
    deliveries: z
      .array(z.strictObject({ id: z.string(), endpointId: z.string() }))
      .meta({ description: 'The new deliveries, one per endpoint: pending and due now, each with a fresh retry schedule.' }),
  })
  .meta({ id: 'Redelivery' });

export type Redelivery = z.output<typeof redeliverySchema>;

/**
 * Sends an event again: to every enabled endpoint of its tenant subscribed to its type as they are now, or
 * to the one endpoint named (subscribed or not, as asked; it must be enabled). New deliveries, picked up by
 * the promoter like the outbox's own; the webhook-id is the event's, as on every delivery of it.
 */
export function redeliverEvent(db: Db, tenantId: bigint, eventId: string, endpointId?: bigint): Promise<Redelivery> {
  return inTransaction(db, async (tx) => {
    const event = await findEvent(tx, tenantId, eventId);
    if (endpointId !== undefined) {
      const [endpoint] = await tx.$queryRaw<{ enabled: boolean }[]>`
        SELECT enabled FROM webhook_endpoint WHERE id = ${endpointId} AND tenant_id = ${tenantId}`;
      if (!endpoint) throw new NotFoundError(`webhook endpoint ${endpointId} not found`);
      if (!endpoint.enabled) throw new ConflictError(`webhook endpoint ${endpointId} is disabled; enable it first`, { enabled: false });
    }
    const which = endpointId !== undefined ? Prisma.sql`w.id = ${endpointId}` : Prisma.sql`${event.type} = ANY(w.event_types)`;
    // Each insert takes a key-share lock on its endpoint (the foreign key), as the outbox's fan-out does: an
    // endpoint deleted meanwhile either waits for this or is gone from the join.
    const rows = await tx.$queryRaw<{ id: bigint; endpoint_id: bigint }[]>`
      INSERT INTO webhook_delivery (tenant_id, event_id, endpoint_id)
      SELECT ${tenantId}, ${event.rowId}, w.id FROM webhook_endpoint w
      WHERE w.tenant_id = ${tenantId} AND w.enabled AND ${which}
      ORDER BY w.id
      RETURNING id, endpoint_id`;
    return { eventId: event.id, deliveries: rows.map((r) => ({ id: r.id.toString(), endpointId: r.endpoint_id.toString() })) };
  });
}
