import type { Db } from '@postdate/db';
import type { DeliveryPolicy } from './delivery-policy';

export interface HeldClaim {
  emailId: bigint;
  attempt: number;
}

/**
 * Runs `send` while pushing the claim's lease forward every third of its length, so a send slower than
 * the lease (a slow relay, a pool queue) is never mistaken for a dead worker, taken back by the sweeper
 * and sent a second time. The lease now only has to outlast a worker's death, not its slowest send.
 * Renewal stops after `maxSendSeconds`: a send that long is presumed hung, and the sweeper takes the
 * email back when the lease runs out. Sends that finish within a third of the lease (nearly all) cost
 * one timer and no statement.
 */
export async function keepLease<T>(
  db: Db,
  claim: HeldClaim,
  policy: Pick<DeliveryPolicy, 'leaseSeconds' | 'maxSendSeconds'>,
  send: () => Promise<T>,
): Promise<T> {
  const everyMs = (policy.leaseSeconds * 1000) / 3;
  const renewUntil = Date.now() + policy.maxSendSeconds * 1000;
  let timer: NodeJS.Timeout | undefined;
  let held = true;
  const renewLater = () => {
    if (Date.now() + everyMs > renewUntil) return;
    timer = setTimeout(() => {
      renewLease(db, claim, policy.leaseSeconds).then(
        (stillMine) => {
          held &&= stillMine;
        },
        // Tried again at the next tick; if Postgres stays out of reach the lease runs out and the sweeper
        // takes the email back, as after a crash (at-least-once, same Message-ID).
        () => undefined,
      ).finally(() => {
        if (held) renewLater();
      });
    }, everyMs);
    timer.unref();
  };
  renewLater();
  try {
    return await send();
  } finally {
    held = false;
    clearTimeout(timer);
  }
}

/** False once the claim is gone (the sweeper took it back): a lease that lapsed is never revived. */
async function renewLease(db: Db, claim: HeldClaim, leaseSeconds: number): Promise<boolean> {
  // Fenced on status and attempt like every write of this send: it can only extend this attempt's own claim.
  const renewed = await db.$executeRaw`
    UPDATE scheduled_email SET lease_until = now() + make_interval(secs => ${leaseSeconds})
    WHERE id = ${claim.emailId} AND status = 'sending' AND attempts = ${claim.attempt}`;
  return renewed === 1;
}
