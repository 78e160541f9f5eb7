import { z } from 'zod';
import { Prisma } from '@postdate/db';
import { EVENT_TYPES, type EventType } from '../events/event-types';
import { NotFoundError } from '../errors';
import { isRowId } from '../emails/find-email';

/** An endpoint row as the statements below read it: never its secrets. */
export interface WebhookEndpointRow {
  id: bigint;
  url: string;
  event_types: string[];
  description: string | null;
  enabled: boolean;
  disabled_reason: string | null;
  disabled_at: Date | null;
  failing_since: Date | null;
  last_success_at: Date | null;
  previous_secret_expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** The columns every endpoint statement returns: the secrets are not among them, so no view can leak one. */
export const ENDPOINT_COLUMNS = Prisma.sql`id, url, event_types, description, enabled, disabled_reason, disabled_at, failing_since,
  last_success_at, previous_secret_expires_at, created_at, updated_at`;

/** What clients see of an endpoint. The signing secret appears only in the answer that made it. */
export const webhookEndpointViewSchema = z
  .strictObject({
    id: z.string(),
    object: z.literal('webhook_endpoint'),
    url: z.string(),
    events: z.array(z.enum(EVENT_TYPES)),
    description: z.string().nullable(),
    enabled: z.boolean(),
    disabledReason: z.string().nullable().meta({ description: 'Why it was disabled: by postdate after failing too long, or through the API.' }),
    disabledAt: z.string().meta({ format: 'date-time' }).nullable(),
    failingSince: z.string().meta({ format: 'date-time', description: 'The first failure since the last success; null while deliveries succeed.' }).nullable(),
    lastSuccessAt: z.string().meta({ format: 'date-time' }).nullable(),
    previousSecretExpiresAt: z
      .string()
      .meta({ format: 'date-time', description: 'Until when the secret before the last rotation still signs, beside the current one.' })
      .nullable(),
    createdAt: z.string().meta({ format: 'date-time' }),
    updatedAt: z.string().meta({ format: 'date-time' }),
  })
  .meta({ id: 'WebhookEndpoint' });

/** The answer of a creation or a rotation: the endpoint and its new secret, shown this once. */
export const webhookEndpointWithSecretSchema = webhookEndpointViewSchema
  .extend({ secret: z.string().meta({ description: 'whsec_<base64>: the signing secret, shown this once.' }) })
  .meta({ id: 'WebhookEndpointWithSecret' });

export const webhookEndpointListSchema = z.strictObject({ data: z.array(webhookEndpointViewSchema) }).meta({ id: 'WebhookEndpointList' });

export type WebhookEndpointView = z.output<typeof webhookEndpointViewSchema>;

const iso = (date: Date | null) => date?.toISOString() ?? null;

export function toWebhookEndpointView(row: WebhookEndpointRow): WebhookEndpointView {
  return {
    id: row.id.toString(),
    object: 'webhook_endpoint',
    url: row.url,
    events: row.event_types as EventType[],
    description: row.description,
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    disabledAt: iso(row.disabled_at),
    failingSince: iso(row.failing_since),
    lastSuccessAt: iso(row.last_success_at),
    previousSecretExpiresAt: row.previous_secret_expires_at && row.previous_secret_expires_at > new Date() ? row.previous_secret_expires_at.toISOString() : null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** Parses a client-supplied endpoint id; anything that is not one of ours is simply not found. */
export function parseWebhookEndpointId(raw: string): bigint {
  if (!isRowId(raw)) throw new NotFoundError(`webhook endpoint ${raw.slice(0, 40)} not found`);
  return BigInt(raw);
}
