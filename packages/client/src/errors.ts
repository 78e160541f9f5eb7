import type { ErrorCode } from './types';

/** Anything the client throws. */
export class PostdateError extends Error {
  override name = 'PostdateError';
}

/**
 * The API answered with an error: its status and the envelope's `code` (typed: every code the document
 * lists), `message` and `details`. An answer that is not the envelope (a proxy's HTML page, say) has the
 * code `unexpected_response`.
 */
export class PostdateApiError extends PostdateError {
  override name = 'PostdateApiError';
  constructor(
    message: string,
    readonly status: number,
    readonly code: ErrorCode | 'unexpected_response',
    readonly details: unknown,
    /** X-Request-Id: quote it when asking about this request. */
    readonly requestId: string | null,
    /** From Retry-After, when the API sent one. */
    readonly retryAfterSeconds: number | null,
  ) {
    super(message);
  }
}

/** No answer: the connection failed, or the request timed out. */
export class PostdateConnectionError extends PostdateError {
  override name = 'PostdateConnectionError';
}
