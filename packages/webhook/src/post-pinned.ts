// One POST over a connection we opened ourselves (no agent, no pool, no redirect handling: node:http follows
// none), reading at most a little of the answer. A receiver can neither hold us with a slow or endless body
// nor send us anywhere else.
import http from 'node:http';
import type net from 'node:net';

/** How much of a response body is kept (for the attempt's record); the connection is closed after it. */
export const RESPONSE_BODY_CAP = 1024;

export interface PinnedPost {
  url: URL;
  headers: Record<string, string>;
  body: string;
  /** Opens the connection, when node:http asks for it. */
  openConnection: () => net.Socket;
  /** Aborted when the attempt's time is up; its reason's message says so. */
  signal: AbortSignal;
}

export type PostOutcome = { kind: 'answered'; statusCode: number; body: string } | { kind: 'failed'; error: string };

export function postPinned(post: PinnedPost): Promise<PostOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    let answered: (() => void) | undefined;
    const settle = (outcome: PostOutcome) => {
      if (settled) return;
      settled = true;
      post.signal.removeEventListener('abort', onAbort);
      // Whatever the outcome, the connection goes: nothing more is read, nothing is reused.
      request?.destroy();
      resolve(outcome);
    };
    // Once the status line is in, the receiver has answered: time running out mid-body keeps the answer.
    const onAbort = () => (answered ? answered() : settle({ kind: 'failed', error: describe(post.signal.reason) }));

    let request: http.ClientRequest | undefined;
    try {
      request = http.request({
        method: 'POST',
        host: post.url.hostname,
        path: `${post.url.pathname}${post.url.search}`,
        headers: { ...post.headers, host: post.url.host, 'content-length': String(Buffer.byteLength(post.body)) },
        createConnection: () => post.openConnection(),
      });
    } catch (error) {
      // A header value node refuses (a control character in an id, say): nothing was opened.
      return settle({ kind: 'failed', error: describe(error) });
    }
    request.on('error', (error) => settle({ kind: 'failed', error: describe(error) }));
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      answered = () => {
        const body = Buffer.concat(chunks).subarray(0, RESPONSE_BODY_CAP).toString('utf8');
        settle({ kind: 'answered', statusCode: response.statusCode ?? 0, body });
      };
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= RESPONSE_BODY_CAP) answered?.();
      });
      response.on('end', () => answered?.());
      // A body cut short still came after a status: the answer stands with what arrived.
      response.on('error', () => answered?.());
      response.on('close', () => answered?.());
    });
    if (post.signal.aborted) return onAbort();
    post.signal.addEventListener('abort', onAbort, { once: true });
    request.end(post.body);
  });
}

function describe(error: unknown): string {
  // Not `instanceof Error`: errors from node's internals may come from another realm (jest's, for one).
  if (typeof error !== 'object' || error === null || !('message' in error)) return String(error);
  const { message, code } = error as NodeJS.ErrnoException;
  return code && !message.includes(code) ? `${message} (${code})` : message;
}
