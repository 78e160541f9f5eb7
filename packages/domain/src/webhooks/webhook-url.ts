import { checkWebhookUrl, type WebhookUrlRules } from '@postdate/webhook';
import { ValidationFailedError } from '../errors';

/** A URL as stored: checked against the SSRF rules a registration must meet, normalised by the URL parser. */
export function acceptableWebhookUrl(raw: string, rules: WebhookUrlRules): string {
  const check = checkWebhookUrl(raw, rules);
  if (!check.ok) throw new ValidationFailedError(`invalid request body: url: ${check.reason}`, { issues: [{ path: 'url', message: check.reason }] });
  return check.url.href;
}
