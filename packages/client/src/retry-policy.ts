/** Retry-After as milliseconds: delta-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (header === null || header.trim() === '') return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** Without a Retry-After: 0.5 s, 1 s, 2 s… with jitter, so that many clients do not retry in step. */
export function backoffMs(attempt: number): number {
  const base = 500 * 2 ** attempt;
  return Math.round(base / 2 + Math.random() * (base / 2));
}

/**
 * 429 means "not now" and comes before the API acts: it is retried, except a daily quota, which no wait of
 * seconds clears. 503 (the database did not answer in time) may come after a write whose answer was lost:
 * only a request safe to repeat is sent again. Any other error is the request's own and would fail again.
 */
export function isRetryable(status: number, code: string, repeatable: boolean): boolean {
  return (status === 429 && code !== 'quota_exceeded') || (status === 503 && repeatable);
}
