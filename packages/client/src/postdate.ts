import type { ClientSettings } from './api-request';
import { Domains } from './resources/domains';
import { Emails } from './resources/emails';
import { Events } from './resources/events';
import { Suppressions } from './resources/suppressions';
import { Webhooks } from './resources/webhooks';

export interface PostdateOptions {
  apiKey: string;
  /** Where the API is, e.g. https://postdate.example.com. */
  baseUrl: string;
  /** Retries of a 429 or 503, and of a lost answer to a request safe to repeat. Default 2. */
  maxRetries?: number;
  /** The longest wait before a retry; a Retry-After beyond it is thrown at once. Default 60 000. */
  maxRetryDelayMs?: number;
  /** Per attempt. Default 30 000. */
  timeoutMs?: number;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** How the client waits before a retry; defaults to a timer. A test can pass its own. */
  sleep?: (ms: number) => Promise<void>;
}

/** The postdate API: `new Postdate({ apiKey, baseUrl }).emails.create({ … })`. */
export class Postdate {
  readonly emails: Emails;
  readonly events: Events;
  readonly suppressions: Suppressions;
  readonly webhooks: Webhooks;
  readonly domains: Domains;

  constructor(options: PostdateOptions) {
    if (!options.apiKey) throw new TypeError('Postdate: apiKey is required');
    if (!options.baseUrl) throw new TypeError('Postdate: baseUrl is required');
    const settings: ClientSettings = {
      apiKey: options.apiKey,
      baseUrl: options.baseUrl,
      maxRetries: options.maxRetries ?? 2,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 60_000,
      timeoutMs: options.timeoutMs ?? 30_000,
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    };
    this.emails = new Emails(settings);
    this.events = new Events(settings);
    this.suppressions = new Suppressions(settings);
    this.webhooks = new Webhooks(settings);
    this.domains = new Domains(settings);
  }
}
