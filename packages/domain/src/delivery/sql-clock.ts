import { Prisma } from '@postdate/db';

/**
 * Where a delivery statement takes "now" from when it decides by time: whether an email is due, when a lease
 * runs out, when a retry or a recovered email is due again. In production it is the database's own `now()`
 * (the transaction's start, one clock for every worker), and the statements read exactly as they did before
 * this seam. The model checker (tests/model) passes a controlled instant instead, so lease expiry and due
 * times follow its schedule rather than the wall clock. Asked once per statement.
 */
export interface SqlClock {
  now(): Prisma.Sql;
}

export const databaseClock: SqlClock = { now: () => Prisma.sql`now()` };
