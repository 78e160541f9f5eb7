// The rules a webhook URL must meet before anything is resolved: the API applies them at registration, the
// sender again before every POST (rules may have tightened since). Names are judged at send time, by the
// addresses they resolve to then; an IP literal can be judged now.
import { isIP } from 'node:net';
import { refusedRange } from './address-range';

export interface WebhookUrlRules {
  /** http:// allowed as well as https://. */
  allowHttp: boolean;
  /** Loopback, private, link-local, CGNAT… IP literals allowed. */
  allowPrivate: boolean;
}

export type WebhookUrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

export const MAX_WEBHOOK_URL_LENGTH = 2048;

/** Whether `raw` may be a webhook endpoint. Reasons never repeat the URL: it may carry a token. */
export function checkWebhookUrl(raw: string, rules: WebhookUrlRules): WebhookUrlCheck {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) return refuse(`longer than ${MAX_WEBHOOK_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse('not an absolute URL');
  }
  const schemeAllowed = url.protocol === 'https:' || (rules.allowHttp && url.protocol === 'http:');
  if (!schemeAllowed) return refuse(rules.allowHttp ? 'the scheme must be https or http' : 'the scheme must be https');
  // Credentials in a URL end up in logs and Referer-like places; endpoints authenticate us by the signature.
  if (url.username !== '' || url.password !== '') return refuse('credentials (user:password@) are not allowed');
  if (url.hostname === '') return refuse('no host');
  const literal = ipLiteral(url.hostname);
  if (literal !== undefined && !rules.allowPrivate) {
    const range = refusedRange(literal);
    if (range) return refuse(`${literal} is not a public address (${range})`);
  }
  return { ok: true, url };
}

/** The address a URL's hostname spells, without IPv6 brackets; undefined when it is a name. */
export function ipLiteral(hostname: string): string | undefined {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) === 0 ? undefined : bare;
}

function refuse(reason: string): WebhookUrlCheck {
  return { ok: false, reason };
}
