import type { Database } from '../client';

export interface HeldLock {
  /** Ends the holding transaction; resolves once it has committed. */
  release(): Promise<void>;
}

/**
 * Locks a tenant's quota counter rows in a transaction of its own and keeps them locked until released,
 * as the tenant's own large /batch would: every create of that tenant must wait for the lock. The rows
 * exist once the tenant (with a daily quota) has created an email today.
 */
export async function holdQuotaLock(db: Database, tenantId: bigint): Promise<HeldLock> {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const holder = db.$transaction(
    async (tx) => {
      // Locks the counter rows every create of this tenant must update: the stall a test wants.
      const rows = await tx.$queryRaw<unknown[]>`SELECT 1 FROM quota_usage WHERE tenant_id = ${tenantId} FOR UPDATE`;
      if (rows.length === 0) throw new Error(`tenant ${tenantId} has no quota counter to lock: give it a quota and create an email first`);
      locked();
      await held;
    },
    { timeout: 20_000 },
  );
  // A failure before the lock was taken must not leave the caller waiting on isLocked.
  await Promise.race([isLocked, holder]);
  return {
    async release() {
      release();
      await holder;
    },
  };
}
