import { sendRequest, type ClientSettings } from '../api-request';
import type {
  CreateWebhookEndpointParams,
  ListWebhookAttemptsParams,
  UpdateWebhookEndpointParams,
  WebhookAttemptPage,
  WebhookEndpoint,
  WebhookEndpointList,
  WebhookEndpointWithSecret,
} from '../types';

const endpointPath = (id: string) => `/v1/webhooks/${encodeURIComponent(id)}`;

/** Webhook endpoints: /v1/webhooks… Events are POSTed to them signed per Standard Webhooks. */
export class Webhooks {
  constructor(private readonly settings: ClientSettings) {}

  /** Registers an endpoint; its `secret` is in this answer only. */
  create(endpoint: CreateWebhookEndpointParams): Promise<WebhookEndpointWithSecret> {
    return sendRequest(this.settings, { method: 'POST', path: '/v1/webhooks', body: endpoint, repeatable: false });
  }

  list(): Promise<WebhookEndpointList> {
    return sendRequest(this.settings, { method: 'GET', path: '/v1/webhooks', repeatable: true });
  }

  get(id: string): Promise<WebhookEndpoint> {
    return sendRequest(this.settings, { method: 'GET', path: endpointPath(id), repeatable: true });
  }

  update(id: string, patch: UpdateWebhookEndpointParams): Promise<WebhookEndpoint> {
    return sendRequest(this.settings, { method: 'PATCH', path: endpointPath(id), body: patch, repeatable: false });
  }

  remove(id: string): Promise<void> {
    return sendRequest(this.settings, { method: 'DELETE', path: endpointPath(id), repeatable: false });
  }

  /** A new secret, in this answer only; the previous one keeps signing beside it for a grace period. */
  rotateSecret(id: string): Promise<WebhookEndpointWithSecret> {
    return sendRequest(this.settings, { method: 'POST', path: `${endpointPath(id)}/rotate-secret`, repeatable: false });
  }

  /** The POSTs made to an endpoint, newest first. */
  attempts(id: string, params: ListWebhookAttemptsParams = {}): Promise<WebhookAttemptPage> {
    return sendRequest(this.settings, { method: 'GET', path: `${endpointPath(id)}/attempts`, query: params, repeatable: true });
  }
}
