import { sendRequest, type ClientSettings } from '../api-request';
import type { AddSuppressionParams, ListSuppressionsParams, Suppression, SuppressionPage } from '../types';

/** The tenant's suppression list: /v1/suppressions… */
export class Suppressions {
  constructor(private readonly settings: ClientSettings) {}

  list(params: ListSuppressionsParams = {}): Promise<SuppressionPage> {
    return sendRequest(this.settings, { method: 'GET', path: '/v1/suppressions', query: params, repeatable: true });
  }

  /** Adds an address, or updates its reason and expiry; adding it again changes nothing more. */
  add(entry: AddSuppressionParams): Promise<Suppression> {
    return sendRequest(this.settings, { method: 'POST', path: '/v1/suppressions', body: entry, repeatable: true });
  }

  remove(address: string): Promise<void> {
    return sendRequest(this.settings, { method: 'DELETE', path: `/v1/suppressions/${encodeURIComponent(address)}`, repeatable: false });
  }
}
