import { z } from 'zod';
import { EVENT_TYPES, type EventType } from './event-types';

/** An event row as the read statements return it. */
export interface EventRow {
  id: bigint;
  public_id: string;
  email_id: bigint;
  email_version: number;
  sequence: number;
  type: string;
  data: Record<string, unknown>;
  created_at: Date;
}

/** What clients see of an event, through GET /v1/events and (as `data` of the payload) in webhooks. */
export const eventViewSchema = z
  .strictObject({
    id: z.string().meta({ description: 'evt_<32 hex>: stable, random, the webhook-id of every delivery of this event.', examples: ['evt_0d9c1b6f2f6a4e1c9a3b5d7e8f901234'] }),
    object: z.literal('event'),
    type: z.enum(EVENT_TYPES),
    createdAt: z.string().meta({ format: 'date-time' }),
    emailId: z.string(),
    emailVersion: z.number().int().meta({ description: "The email's version as the change left it." }),
    sequence: z.number().int().meta({ description: '1, 2, 3… for one email, in the order its events were written.' }),
    data: z.record(z.string(), z.unknown()).meta({ description: "What is particular to the event, and the email's metadata." }),
  })
  .meta({ id: 'Event' });

export type EventView = z.output<typeof eventViewSchema>;

export const eventPublicId = (uuid: string) => `evt_${uuid.replace(/-/g, '')}`;

/** The uuid an `evt_…` id stands for, or undefined when it cannot be one of ours. */
export function parseEventId(raw: string): string | undefined {
  const match = /^evt_([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})$/.exec(raw);
  return match ? match.slice(1).join('-') : undefined;
}

export function toEventView(row: EventRow): EventView {
  return {
    id: eventPublicId(row.public_id),
    object: 'event',
    type: row.type as EventType,
    createdAt: row.created_at.toISOString(),
    emailId: row.email_id.toString(),
    emailVersion: row.email_version,
    sequence: row.sequence,
    data: row.data,
  };
}
