/** How webhook deliveries are retried, leased and given up on; threaded in from the worker's configuration. */
export interface WebhookPolicy {
  /** How long a claim lives: longer than a POST may take, so only a dead worker's lease runs out. */
  leaseSeconds: number;
  /** The wait after the 1st, 2nd… failed attempt; once every wait is spent, the delivery fails for good. */
  retryScheduleSeconds: number[];
  /** An endpoint failing this long without a single success is disabled. */
  disableAfterHours: number;
}

/** The wait before the next attempt after `attempt` (1-based) failed, or null when the schedule is spent. */
export function retryDelayAfter(policy: Pick<WebhookPolicy, 'retryScheduleSeconds'>, attempt: number): number | null {
  return policy.retryScheduleSeconds[attempt - 1] ?? null;
}
