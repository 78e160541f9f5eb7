export interface DeliveryPolicy {
  /** How long a claim lives unless renewed; a worker that stopped renewing it that long is presumed dead. */
  leaseSeconds: number;
  /** How long a send may keep renewing its lease; one running longer is presumed hung. */
  maxSendSeconds: number;
  /** Attempts in all (the first send included) before a transient failure becomes permanent. */
  maxAttempts: number;
  retryBaseSeconds: number;
  retryMaxSeconds: number;
  /** At-least-once re-sends a crashed attempt with the same Message-ID; at-most-once fails it. */
  leaseRecovery: 'at-least-once' | 'at-most-once';
}

/**
 * Exponential backoff with ±20% jitter, so a failed burst does not retry as one burst; never above
 * retryMaxSeconds, jitter included.
 */
export function retryDelaySeconds(policy: DeliveryPolicy, attempt: number, random = Math.random): number {
  const exponential = Math.min(policy.retryMaxSeconds, policy.retryBaseSeconds * 2 ** Math.max(0, attempt - 1));
  return Math.max(1, Math.min(policy.retryMaxSeconds, Math.round(exponential * (0.8 + 0.4 * random()))));
}
