// The interface between the webhook dispatcher (packages/domain, apps/worker) and the HTTP side of sending a
// webhook (this package). Agreed up front so both can be built at once; the implementation lives beside it.
import type { LookupFunction } from 'node:net';

/** One POST of one event to one endpoint, signed per Standard Webhooks. */
export interface WebhookMessage {
  url: string;
  /** webhook-id: the event's id (evt_…), the same for every attempt and every redelivery of the event. */
  id: string;
  /** webhook-timestamp, in seconds: when this attempt is signed. */
  timestamp: Date;
  /** The JSON body, exactly as signed and sent. */
  body: string;
  /** whsec_… secrets to sign with: the current one, plus the previous one during a rotation's grace period. */
  secrets: string[];
}

/**
 * What became of one POST. `answered` covers every HTTP status, 3xx included (redirects are never followed);
 * the caller decides what counts as success.
 */
export type WebhookResponse =
  | { kind: 'answered'; statusCode: number; /** the first 1 KiB of the body, as text */ body: string; durationMs: number }
  /**
   * Never sent: the URL or an address its name resolved to is not allowed (SSRF rules), or the message cannot be
   * signed (no secret, or one not in the whsec_ form). Nothing was connected to.
   */
  | { kind: 'refused'; error: string; durationMs: number }
  /** Sent, or tried, without an HTTP answer: DNS failure, connection refused or reset, TLS error, timeout. */
  | { kind: 'failed'; error: string; durationMs: number };

export interface WebhookSenderOptions {
  /**
   * Whole-request bound: resolve, connect, send, and the answer's status and first bytes. Time running out before
   * the status line is `failed`; after it, the answer stands with the part of the body that arrived.
   */
  timeoutMs: number;
  /** http:// endpoints allowed (otherwise https only). */
  allowHttp: boolean;
  /** Loopback, private, link-local (cloud metadata), CGNAT… addresses allowed (tests, private networks). */
  allowPrivate: boolean;
  /**
   * Name resolution, injectable: tests stub it to return private or metadata addresses. Default: dns.lookup.
   * Called once per send with `{ all: true }`; answering a single address is accepted too.
   */
  lookup?: LookupFunction;
  /**
   * Opens the TCP connection to the address that passed the checks (`host` is always an IP address, never the
   * name), injectable: tests pass one that fails the test if it is ever called. Default: node's net.connect.
   * For https the sender layers TLS on the returned socket, with `servername` as SNI and as the name the
   * certificate must prove; a connect that returns a tls.TLSSocket has done the TLS itself and it is used as is.
   */
  connect?: (options: { host: string; port: number; servername?: string }) => import('node:net').Socket;
}

export interface WebhookSender {
  send(message: WebhookMessage): Promise<WebhookResponse>;
}
