/** What a client can learn of an email, as events (and subscribe a webhook endpoint to). */
export const EVENT_TYPES = [
  'email.scheduled',
  'email.updated',
  'email.canceled',
  'email.sent',
  'email.recipient_rejected',
  'email.recipient_suppressed',
  'email.delivery_delayed',
  'email.failed',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/**
 * An event to write with the status change that causes it. `data` holds what is particular to the event
 * (camelCase, as the API shows it); the email's id, version, sequence number and metadata are added as it
 * is written.
 */
export interface NewEvent {
  emailId: bigint;
  type: EventType;
  data: Record<string, unknown>;
}
