import { z } from 'zod';
import { Prisma, type Db } from '@postdate/db';
import { NotFoundError, ValidationFailedError } from '../errors';
import { isRowId } from '../emails/find-email';
import { EVENT_TYPES, type EventType } from '../events/event-types';
import { eventPublicId } from '../events/event-view';

export const webhookAttemptViewSchema = z
  .strictObject({
    id: z.string(),
    object: z.literal('webhook_attempt'),
    eventId: z.string().meta({ description: 'The event POSTed: its webhook-id.' }),
    eventType: z.enum(EVENT_TYPES),
    deliveryId: z.string(),
    attempt: z.number().int().meta({ description: '1, 2, 3… for one delivery of the event to this endpoint.' }),
    startedAt: z.string().meta({ format: 'date-time' }),
    finishedAt: z.string().meta({ format: 'date-time' }).nullable(),
    durationMs: z.number().int().nullable(),
    statusCode: z.number().int().nullable(),
    responseBody: z.string().nullable().meta({ description: "The first 1 KiB of the receiver's answer." }),
    error: z.string().nullable().meta({ description: 'Why there was no answer: timeout, connection refused, an address the SSRF rules refuse…' }),
    outcome: z
      .enum(['delivered', 'retry_scheduled', 'retries_exhausted', 'lease_expired', 'delivered_after_lease_lost', 'retry_scheduled_after_lease_lost', 'retries_exhausted_after_lease_lost'])
      .nullable()
      .meta({ description: 'null while the POST is in flight; lease_expired: the worker died during it.' }),
  })
  .meta({ id: 'WebhookAttempt' });

export type WebhookAttemptView = z.output<typeof webhookAttemptViewSchema>;

export const webhookAttemptPageSchema = z
  .strictObject({ data: z.array(webhookAttemptViewSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'WebhookAttemptPage' });

export type WebhookAttemptPage = z.output<typeof webhookAttemptPageSchema>;

interface AttemptRow {
  id: bigint;
  delivery_id: bigint;
  public_id: string;
  type: string;
  attempt: number;
  started_at: Date;
  finished_at: Date | null;
  duration_ms: number | null;
  status_code: number | null;
  response_body: string | null;
  error: string | null;
  outcome: string | null;
}

/**
 * The POSTs made to one of this tenant's endpoints, newest first, keyset-paginated on the attempt's id over
 * the (endpoint_id, id DESC) index. Another tenant's endpoint is not found, like a missing one.
 */
export async function listWebhookAttempts(
  db: Db,
  tenantId: bigint,
  endpointId: bigint,
  query: { limit: number; cursor?: string },
): Promise<WebhookAttemptPage> {
  if (query.cursor !== undefined && !isRowId(query.cursor)) throw new ValidationFailedError('cursor is not valid');
  const [endpoint] = await db.$queryRaw<{ id: bigint }[]>`SELECT id FROM webhook_endpoint WHERE id = ${endpointId} AND tenant_id = ${tenantId}`;
  if (!endpoint) throw new NotFoundError(`webhook endpoint ${endpointId} not found`);
  const before = query.cursor ? Prisma.sql`AND a.id < ${BigInt(query.cursor)}` : Prisma.empty;
  const rows = await db.$queryRaw<AttemptRow[]>`
    SELECT a.id, a.delivery_id, e.public_id::text AS public_id, e.type, a.attempt, a.started_at, a.finished_at, a.duration_ms,
           a.status_code, a.response_body, a.error, a.outcome
    FROM webhook_attempt a
    JOIN webhook_delivery d ON d.id = a.delivery_id
    JOIN event e ON e.id = d.event_id
    WHERE a.endpoint_id = ${endpointId} AND a.tenant_id = ${tenantId} ${before}
    ORDER BY a.id DESC LIMIT ${query.limit + 1}`;
  const page = rows.slice(0, query.limit);
  return { data: page.map(toAttemptView), nextCursor: rows.length > query.limit ? page.at(-1)!.id.toString() : null };
}

function toAttemptView(row: AttemptRow): WebhookAttemptView {
  return {
    id: row.id.toString(),
    object: 'webhook_attempt',
    eventId: eventPublicId(row.public_id),
    eventType: row.type as EventType,
    deliveryId: row.delivery_id.toString(),
    attempt: row.attempt,
    startedAt: row.started_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
    durationMs: row.duration_ms,
    statusCode: row.status_code,
    responseBody: row.response_body,
    error: row.error,
    outcome: row.outcome as WebhookAttemptView['outcome'],
  };
}
