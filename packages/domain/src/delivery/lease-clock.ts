/**
 * The worker's own view of when its claim's lease runs out, on the monotonic clock. It starts from just
 * before the claim (or a renewal that succeeded) was asked for, so it never ends later than the lease the
 * database holds: until then no sweeper can have taken the email back, and a retried record still has a
 * claim to record.
 */
export interface LeaseClock {
  /** performance.now() at which the lease runs out, at the latest. */
  readonly expiresAt: number;
  /** A renewal asked for at `askedAt` (performance.now()) succeeded. */
  renewed(askedAt: number): void;
}

export function startLeaseClock(leaseSeconds: number, askedAt = performance.now()): LeaseClock {
  let expiresAt = askedAt + leaseSeconds * 1000;
  return {
    get expiresAt() {
      return expiresAt;
    },
    renewed(renewalAskedAt) {
      expiresAt = Math.max(expiresAt, renewalAskedAt + leaseSeconds * 1000);
    },
  };
}
