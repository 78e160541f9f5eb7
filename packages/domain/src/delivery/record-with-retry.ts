import { isDatabaseUnavailable, isRetryableTransactionError } from '@postdate/db';
import type { LeaseClock } from './lease-clock';

export interface RecordRetry {
  lease: LeaseClock;
  /** Retries stop this long before the lease runs out: the last try must land while the claim is ours. */
  marginMs: number;
  /** Pause after the first failure, doubled each time up to maxDelayMs. */
  firstDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Recording a send's result must survive Postgres going away for a while (a restart, a failover): giving
 * up would leave the email `sending` until its lease runs out, and the sweeper would send it again. So a
 * record that failed because the database was unavailable (or a deadlock) is tried again until the lease
 * is about to run out; each record is fenced and recognises its own earlier commit, so a retry is safe.
 * Any other failure (the statement itself is wrong for this row) is thrown at once.
 */
export async function recordWithRetry<T>(record: () => Promise<T>, retry: RecordRetry): Promise<T> {
  const maxDelayMs = retry.maxDelayMs ?? 2_000;
  let delayMs = retry.firstDelayMs ?? 200;
  for (;;) {
    try {
      return await record();
    } catch (error) {
      const worthRetrying = isDatabaseUnavailable(error) || isRetryableTransactionError(error);
      if (!worthRetrying || performance.now() + delayMs >= retry.lease.expiresAt - retry.marginMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      delayMs = Math.min(maxDelayMs, delayMs * 2);
    }
  }
}
