import { PostdateApiError, PostdateConnectionError } from './errors';
import { backoffMs, isRetryable, retryAfterMs } from './retry-policy';
import type { ErrorEnvelope } from './types';

export interface ClientSettings {
  apiKey: string;
  baseUrl: string;
  maxRetries: number;
  maxRetryDelayMs: number;
  timeoutMs: number;
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
}

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * Safe to send again when its answer may have been lost (no answer, a timeout, a 503): reads, and writes
   * that carry an Idempotency-Key or repeat harmlessly. A 429 is retried whatever this says.
   */
  repeatable: boolean;
}

/**
 * Sends one request, retrying a 429 (and a 503, or no answer at all, when the request is repeatable) after
 * the Retry-After the API gave, or a backoff; every retry sends the same request, Idempotency-Key included.
 */
export async function sendRequest<T>(settings: ClientSettings, request: ApiRequest): Promise<T> {
  const url = new URL(request.path.replace(/^\//, ''), settings.baseUrl.endsWith('/') ? settings.baseUrl : `${settings.baseUrl}/`);
  for (const [name, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined) url.searchParams.set(name, String(value));
  }
  const headers: Record<string, string> = { authorization: `Bearer ${settings.apiKey}`, accept: 'application/json', ...request.headers };
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  const body = request.body === undefined ? undefined : JSON.stringify(request.body);

  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      response = await settings.fetch(url, { method: request.method, headers, body, signal: AbortSignal.timeout(settings.timeoutMs) });
    } catch (cause) {
      if (request.repeatable && attempt < settings.maxRetries) {
        await settings.sleep(backoffMs(attempt));
        continue;
      }
      throw new PostdateConnectionError(`${request.method} ${url.pathname}: no answer (${(cause as Error).message})`, { cause });
    }
    if (response.ok) return (response.status === 204 ? undefined : await response.json()) as T;
    const error = await toApiError(response);
    const wait = error.retryAfterSeconds === null ? backoffMs(attempt) : error.retryAfterSeconds * 1000;
    if (attempt < settings.maxRetries && isRetryable(error.status, error.code, request.repeatable) && wait <= settings.maxRetryDelayMs) {
      await settings.sleep(wait);
      continue;
    }
    throw error;
  }
}

async function toApiError(response: Response): Promise<PostdateApiError> {
  const text = await response.text();
  let envelope: ErrorEnvelope | undefined;
  try {
    envelope = (JSON.parse(text) as { error?: ErrorEnvelope }).error;
  } catch {
    // Not JSON: not the API's answer, but something in front of it.
  }
  const retryAfter = retryAfterMs(response.headers.get('retry-after'));
  return new PostdateApiError(
    envelope?.message ?? `HTTP ${response.status}: ${text.slice(0, 200)}`,
    response.status,
    envelope?.code ?? 'unexpected_response',
    envelope?.details,
    response.headers.get('x-request-id'),
    retryAfter === null ? null : Math.ceil(retryAfter / 1000),
  );
}
