import type { EventView } from '../events/event-view';

/**
 * The JSON a receiver gets, exactly as signed: the event's type and time beside the event itself (as GET
 * /v1/events/:id shows it), so a receiver can route on `type` without reading further.
 */
export function webhookBody(event: EventView): string {
  return JSON.stringify({ type: event.type, timestamp: event.createdAt, data: event });
}
