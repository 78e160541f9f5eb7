import { sendRequest, type ClientSettings } from '../api-request';
import type { Domain, DomainList, RegisterDomainParams } from '../types';

const domainPath = (id: string) => `/v1/domains/${encodeURIComponent(id)}`;

/** Sender domains: /v1/domains… A From must be on a verified one; mail is DKIM-signed with its key. */
export class Domains {
  constructor(private readonly settings: ClientSettings) {}

  /** Registers a domain: its answer lists the DNS records to publish before `verify`. */
  register(domain: RegisterDomainParams): Promise<Domain> {
    return sendRequest(this.settings, { method: 'POST', path: '/v1/domains', body: domain, repeatable: false });
  }

  list(): Promise<DomainList> {
    return sendRequest(this.settings, { method: 'GET', path: '/v1/domains', repeatable: true });
  }

  get(id: string): Promise<Domain> {
    return sendRequest(this.settings, { method: 'GET', path: domainPath(id), repeatable: true });
  }

  /** Looks the records up now; a lookup repeated is harmless. */
  verify(id: string): Promise<Domain> {
    return sendRequest(this.settings, { method: 'POST', path: `${domainPath(id)}/verify`, repeatable: true });
  }

  remove(id: string): Promise<void> {
    return sendRequest(this.settings, { method: 'DELETE', path: domainPath(id), repeatable: false });
  }
}
