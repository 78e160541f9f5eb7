import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  path: string;
  /** Lower-cased header names, as node gives them. */
  headers: Record<string, string>;
  /** The body exactly as it arrived (what a signature covers). */
  body: string;
  receivedAt: number;
  /** The status the receiver answered (set once it answered; undefined while held or if never answered). */
  status?: number;
}

export interface ReceiverReply {
  status: number;
  body?: string;
}

export interface WebhookReceiverBehaviour {
  /** Decide the answer to one request; may wait (to hold a POST in flight). Default: 200 "ok". */
  respond?: (request: ReceivedWebhook) => Promise<ReceiverReply | undefined> | ReceiverReply | undefined;
}

export interface WebhookReceiver {
  /** http://127.0.0.1:<port>/hook */
  url: string;
  /** Every request that reached it, answered or not, in arrival order. */
  received: ReceivedWebhook[];
  behaviour: WebhookReceiverBehaviour;
  /** The bodies of the requests answered 2xx, parsed. */
  acknowledged(): unknown[];
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** A real HTTP server on 127.0.0.1 and a free port that records every request and answers as told. */
export async function startWebhookReceiver(behaviour: WebhookReceiverBehaviour = {}): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const receiver = { behaviour, received } as WebhookReceiver;
  const server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
      const entry: ReceivedWebhook = { path: request.url ?? '/', headers, body, receivedAt: Date.now() };
      received.push(entry);
      const reply = (await receiver.behaviour.respond?.(entry)) ?? { status: 200, body: 'ok' };
      if (response.destroyed) return;
      entry.status = reply.status;
      response.writeHead(reply.status, { 'content-type': 'text/plain' }).end(reply.body ?? '');
    })().catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  receiver.url = `http://127.0.0.1:${port}/hook`;
  receiver.acknowledged = () => received.filter((r) => r.status !== undefined && r.status >= 200 && r.status < 300).map((r) => JSON.parse(r.body) as unknown);
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}
