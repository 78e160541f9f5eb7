import { inTransaction, type Db } from '@postdate/db';
import { databaseClock, type SqlClock } from './sql-clock';

export interface HeldClaim {
  emailId: bigint;
  attempt: number;
}

/**
 * Pushes a claim's lease forward; false once the claim is gone (the sweeper took the email back, so the
 * row is no longer `sending` at this attempt). A lease that lapsed but was not yet taken back is simply
 * extended: its worker is evidently alive.
 */
export function renewLease(db: Db, claim: HeldClaim, leaseSeconds: number, clock: SqlClock = databaseClock): Promise<boolean> {
  return inTransaction(db, async (tx) => {
    // Fenced on status and attempt like every write of this send: it can only extend this attempt's own claim.
    const renewed = await tx.$executeRaw`
      UPDATE scheduled_email SET lease_until = ${clock.now()} + make_interval(secs => ${leaseSeconds})
      WHERE id = ${claim.emailId} AND status = 'sending' AND attempts = ${claim.attempt}`;
    return renewed === 1;
  });
}
