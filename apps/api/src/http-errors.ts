import { z } from 'zod';
import { isDatabaseUnavailable } from '@postdate/db';
import { DomainError, type DomainErrorCode } from '@postdate/domain';

/** The one place a domain outcome becomes an HTTP status. */
const STATUS_BY_CODE: Record<DomainErrorCode, number> = {
  not_found: 404,
  conflict: 409,
  validation_failed: 400,
  idempotency_mismatch: 422,
  quota_exceeded: 429,
  unauthorized: 401,
};

/** Codes only the HTTP layer gives (the body parser, the rate limiter, an outage, a bug). */
const HTTP_ERROR_CODES = ['malformed_json', 'payload_too_large', 'unsupported_encoding', 'request_aborted', 'bad_request', 'rate_limited', 'database_unavailable', 'internal_error'] as const;
type HttpErrorCode = (typeof HTTP_ERROR_CODES)[number];

/** Every code a client can see, in the document as an enum: a new code the enum lacks fails the typecheck. */
export const ERROR_CODES: readonly [DomainErrorCode | HttpErrorCode, ...(DomainErrorCode | HttpErrorCode)[]] = [
  ...HTTP_ERROR_CODES,
  ...(Object.keys(STATUS_BY_CODE) as DomainErrorCode[]),
];

export const errorBodySchema = z
  .strictObject({
    error: z.strictObject({
      code: z.enum(ERROR_CODES),
      message: z.string().meta({ description: 'For people: its wording may change.' }),
      details: z.unknown().optional().meta({
        description: 'validation_failed: `issues`, each `{ path, message }`; conflict: `status`; rate_limited: `limit`, `retryAfterSeconds`.',
      }),
    }),
  })
  .meta({ id: 'Error', description: 'Every 4xx and 5xx answer; never a stack trace.' });

export type ErrorBody = z.output<typeof errorBodySchema>;
export type ErrorCode = ErrorBody['error']['code'];

/** An HTTP-only failure (payload too large, rate limited…) with the same JSON shape as domain errors. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

interface BodyParserError {
  type?: string;
  status?: number;
  message?: string;
}

export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof DomainError) {
    return new HttpError(STATUS_BY_CODE[error.code], error.code, error.message, error.details);
  }
  const parserError = error as BodyParserError;
  switch (parserError?.type) {
    case 'entity.parse.failed':
      return new HttpError(400, 'malformed_json', 'request body is not valid JSON');
    case 'entity.too.large':
      return new HttpError(413, 'payload_too_large', 'request body is larger than the limit');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpError(415, 'unsupported_encoding', parserError.message ?? 'unsupported body encoding');
    case 'request.aborted':
      return new HttpError(400, 'request_aborted', 'request was aborted');
  }
  // Other client errors raised by Express itself (a path that is not valid percent-encoding, …).
  const status = (error as { status?: unknown; statusCode?: unknown })?.status ?? (error as { statusCode?: unknown })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new HttpError(status, 'bad_request', 'the request could not be understood');
  }
  if (isDatabaseUnavailable(error)) {
    // Nothing the client did: Postgres is down, unreachable or too slow. A create whose answer was lost
    // may still have been written, hence the key.
    return new HttpError(
      503,
      'database_unavailable',
      'the database did not answer in time; try again (with the same Idempotency-Key, for a create)',
      undefined,
      { 'Retry-After': '5' },
    );
  }
  return new HttpError(500, 'internal_error', 'internal error');
}
