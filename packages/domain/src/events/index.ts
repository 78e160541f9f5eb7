// Events (the outbox), as the rest of the domain writes them and as clients read them.
export { EVENT_TYPES } from './event-types';
export type { EventType, NewEvent } from './event-types';
export { recordEvents } from './record-events';
export { toEventView, eventPublicId, parseEventId, eventViewSchema } from './event-view';
export type { EventView, EventRow } from './event-view';
export { listEvents, findEvent, eventPageSchema } from './list-events';
export type { ListEventsQuery, EventPage } from './list-events';
