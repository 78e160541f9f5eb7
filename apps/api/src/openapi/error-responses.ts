import { z } from 'zod';
import type { ZodOpenApiResponseObject } from 'zod-openapi';
import { errorBodySchema } from '../http-errors';

/** What each error status means in this API, and the codes it carries. */
const ERROR_STATUSES = {
  400: { name: 'BadRequest', description: '`validation_failed` (`details.issues` lists each path and problem; unknown fields too), `malformed_json`, `bad_request`.' },
  401: { name: 'Unauthorized', description: '`unauthorized`: a missing, unknown, malformed or revoked API key.' },
  404: { name: 'NotFound', description: "`not_found`: none such for this tenant (another tenant's is indistinguishable from none)." },
  409: {
    name: 'Conflict',
    description: "`conflict`: the email's status forbids the change (`details.status`), the webhook endpoint named is disabled, or the domain is registered already (to this account: `details.id`) or owned by another.",
  },
  413: { name: 'PayloadTooLarge', description: '`payload_too_large`: the body is over BODY_LIMIT_BYTES (ten times that for a batch).' },
  415: { name: 'UnsupportedEncoding', description: '`unsupported_encoding`: a Content-Encoding or charset the API does not read.' },
  422: { name: 'IdempotencyMismatch', description: '`idempotency_mismatch`: the Idempotency-Key was used before with a different body.' },
  429: {
    name: 'TooManyRequests',
    description: "`rate_limited` (the key's requests per minute; `Retry-After`) or `quota_exceeded` (the tenant's daily recipient quota).",
  },
  500: { name: 'InternalError', description: '`internal_error`: a bug, logged with the request id; no details are sent.' },
  503: {
    name: 'DatabaseUnavailable',
    description: '`database_unavailable`: Postgres did not answer in time (`Retry-After`). Retry a create with the same Idempotency-Key: its answer may have been lost after the write.',
  },
} as const;

export type ErrorStatus = keyof typeof ERROR_STATUSES;

/** What any call under /v1 can answer, whatever it is. */
export const EVERY_V1_CALL_ERRORS: readonly ErrorStatus[] = [401, 429, 500, 503];

/** What any call with a JSON body can answer besides. */
export const JSON_BODY_ERRORS: readonly ErrorStatus[] = [400, 413, 415];

const retryAfter = z.object({
  'Retry-After': z.string().optional().meta({ description: 'Seconds to wait before trying again.' }),
});

/** components.responses: one per status, each the error envelope. */
export function errorResponseComponents(): Record<string, ZodOpenApiResponseObject> {
  return Object.fromEntries(
    Object.entries(ERROR_STATUSES).map(([status, { name, description }]) => [
      name,
      {
        description,
        ...(status === '429' || status === '503' ? { headers: retryAfter } : {}),
        content: { 'application/json': { schema: errorBodySchema } },
      },
    ]),
  );
}

export const errorResponseRef = (status: ErrorStatus) => ({ $ref: `#/components/responses/${ERROR_STATUSES[status].name}` });
