// The sender the dispatcher uses: check the URL, sign, resolve and check the address, POST to that address,
// all inside one time bound. Each step is its own file; this one only orders them and times the attempt.
import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import { checkWebhookUrl } from './check-webhook-url';
import { connectTcp, openConnection } from './open-connection';
import { postPinned } from './post-pinned';
import { resolveAddress } from './resolve-address';
import { SigningSecretError, signatureHeaders } from './sign-webhook';
import type { WebhookMessage, WebhookResponse, WebhookSender, WebhookSenderOptions } from './webhook-sender';

const USER_AGENT = 'postdate-webhooks/1';

/** A WebhookResponse before it is timed (Omit over each member of the union, not the union as a whole). */
type Untimed<R> = R extends unknown ? Omit<R, 'durationMs'> : never;
type Outcome = Untimed<WebhookResponse>;

export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const lookup: LookupFunction = options.lookup ?? (dns.lookup as LookupFunction);
  const connect = options.connect ?? connectTcp;

  async function attempt(message: WebhookMessage, signal: AbortSignal): Promise<Outcome> {
    const checked = checkWebhookUrl(message.url, options);
    if (!checked.ok) return { kind: 'refused', error: `URL refused: ${checked.reason}` };
    const url = checked.url;
    let signature: Record<string, string>;
    try {
      signature = signatureHeaders(message);
    } catch (error) {
      if (error instanceof SigningSecretError) return { kind: 'refused', error: error.message };
      throw error;
    }
    const resolved = await resolveAddress(url.hostname, { lookup, allowPrivate: options.allowPrivate, signal });
    if (resolved.kind !== 'address') return resolved;
    return postPinned({
      url,
      headers: { ...signature, 'content-type': 'application/json', 'user-agent': USER_AGENT },
      body: message.body,
      openConnection: () => openConnection({ url, address: resolved.address, connect }),
      signal,
    });
  }

  return {
    async send(message) {
      const started = performance.now();
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(new Error(`timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
      try {
        const outcome = await attempt(message, deadline.signal);
        return { ...outcome, durationMs: Math.round(performance.now() - started) };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
