import { sendRequest, type ClientSettings } from '../api-request';
import type { BatchEmailParams, BatchResult, CreateEmailParams, Email, EmailPage, ListEmailsParams, UpdateEmailParams } from '../types';

const emailPath = (id: string) => `/v1/emails/${encodeURIComponent(id)}`;

/** Scheduled emails: POST/GET/PATCH /v1/emails… */
export class Emails {
  constructor(private readonly settings: ClientSettings) {}

  /**
   * Schedules an email. Without an `idempotencyKey` the client makes one, so that its own retries (and yours,
   * if you keep the key) never schedule the email twice.
   */
  create(email: CreateEmailParams, options: { idempotencyKey?: string } = {}): Promise<Email> {
    const idempotencyKey = options.idempotencyKey ?? crypto.randomUUID();
    return sendRequest(this.settings, { method: 'POST', path: '/v1/emails', body: email, headers: { 'Idempotency-Key': idempotencyKey }, repeatable: true });
  }

  /** Schedules up to MAX_BATCH_SIZE emails, all or nothing; an email without an idempotencyKey is given one. */
  batch(emails: BatchEmailParams[]): Promise<BatchResult> {
    const keyed = emails.map((email) => ({ ...email, idempotencyKey: email.idempotencyKey ?? crypto.randomUUID() }));
    return sendRequest(this.settings, { method: 'POST', path: '/v1/emails/batch', body: { emails: keyed }, repeatable: true });
  }

  get(id: string): Promise<Email> {
    return sendRequest(this.settings, { method: 'GET', path: emailPath(id), repeatable: true });
  }

  /** One page, newest first; pass its `nextCursor` as `cursor` for the next. */
  list(params: ListEmailsParams = {}): Promise<EmailPage> {
    return sendRequest(this.settings, { method: 'GET', path: '/v1/emails', query: params, repeatable: true });
  }

  update(id: string, patch: UpdateEmailParams): Promise<Email> {
    return sendRequest(this.settings, { method: 'PATCH', path: emailPath(id), body: patch, repeatable: false });
  }

  /** Canceling a canceled email answers it again, so a lost answer may be asked for again. */
  cancel(id: string): Promise<Email> {
    return sendRequest(this.settings, { method: 'POST', path: `${emailPath(id)}/cancel`, repeatable: true });
  }

  removeRecipient(id: string, address: string): Promise<Email> {
    return sendRequest(this.settings, { method: 'DELETE', path: `${emailPath(id)}/recipients/${encodeURIComponent(address)}`, repeatable: false });
  }
}
