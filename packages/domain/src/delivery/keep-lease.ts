import type { DeliveryPolicy } from './delivery-policy';

/**
 * What became of one tick of lease keeping: `renewed`; `failed` (Postgres did not answer; the next tick
 * tries again); `lost` (the claim was taken back: renewal stops); `gave_up` (the send has run
 * `maxSendSeconds` and is presumed hung: renewal stops and the lease is left to run out).
 */
export type LeaseEvent = { outcome: 'renewed' | 'lost' | 'gave_up' } | { outcome: 'failed'; error: unknown };

/**
 * Runs `send` while renewing its claim's lease every third of the lease, so a send slower than the lease
 * (a slow relay, a wait for a pool connection) is never mistaken for a dead worker, taken back by the
 * sweeper and sent a second time: the lease only has to outlast a worker's death. Renewal stops after
 * `maxSendSeconds` (below a third of the lease: never renewed). Ticks do not wait for each other, so one
 * renewal stuck on a dead connection does not hold back the next; once renewal has stopped, for any
 * reason, nothing more is reported. A send that finishes within a third of the lease (nearly all) costs
 * one timer and no statement.
 */
export async function keepLease<T>(
  renew: () => Promise<boolean>,
  policy: Pick<DeliveryPolicy, 'leaseSeconds' | 'maxSendSeconds'>,
  send: () => Promise<T>,
  onEvent: (event: LeaseEvent) => void = () => undefined,
): Promise<T> {
  // A monotonic clock: a wall-clock step (a VM resumed) must not give up on every slow send at once.
  const giveUpAt = performance.now() + policy.maxSendSeconds * 1000;
  let renewing = true;
  const stop = () => {
    renewing = false;
    clearInterval(ticks);
  };
  const report = (event: LeaseEvent) => {
    if (event.outcome !== 'renewed' && event.outcome !== 'failed') stop();
    // Metrics and logs only: a reporter's own failure must not become an unhandled rejection.
    try {
      onEvent(event);
    } catch {
      // Nothing to report it to.
    }
  };
  const ticks = setInterval(() => {
    if (performance.now() >= giveUpAt) return report({ outcome: 'gave_up' });
    Promise.resolve()
      .then(renew)
      .then(
        (stillMine) => renewing && report({ outcome: stillMine ? 'renewed' : 'lost' }),
        (error: unknown) => renewing && report({ outcome: 'failed', error }),
      );
  }, (policy.leaseSeconds * 1000) / 3);
  ticks.unref();
  try {
    return await send();
  } finally {
    stop();
  }
}
