import { sendRequest, type ClientSettings } from '../api-request';
import type { Event, EventPage, ListEventsParams, RedeliverEventParams, Redelivery } from '../types';

/** Delivery events, newest first: GET /v1/events… */
export class Events {
  constructor(private readonly settings: ClientSettings) {}

  list(params: ListEventsParams = {}): Promise<EventPage> {
    return sendRequest(this.settings, { method: 'GET', path: '/v1/events', query: params, repeatable: true });
  }

  get(id: string): Promise<Event> {
    return sendRequest(this.settings, { method: 'GET', path: `/v1/events/${encodeURIComponent(id)}`, repeatable: true });
  }

  /** Sends an event again: to one endpoint, or to every enabled endpoint subscribed to its type now. */
  redeliver(id: string, params: RedeliverEventParams = {}): Promise<Redelivery> {
    return sendRequest(this.settings, { method: 'POST', path: `/v1/events/${encodeURIComponent(id)}/redeliver`, body: params, repeatable: false });
  }
}
