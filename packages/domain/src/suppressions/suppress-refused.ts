import type { Db } from '@postdate/db';

export interface Refusal {
  tenantId: bigint;
  address: string;
  /** The relay's reply: the suppression's source. */
  response: string | null;
}

/**
 * Puts addresses a relay refused for good on their tenants' suppression lists, in the caller's transaction
 * (the one that records the refusal): one statement. An address already suppressed keeps its entry.
 */
export async function suppressRefused(tx: Db, refusals: Refusal[]): Promise<void> {
  if (refusals.length === 0) return;
  // No row lock taken beyond the insert's own: a concurrent suppression of the same address by another
  // record waits on the unique index and then does nothing.
  await tx.$executeRaw`
    INSERT INTO suppression (tenant_id, address, reason, source)
    SELECT t, a, 'hard_bounce', coalesce(s, 'smtp')
    FROM unnest(${refusals.map((r) => r.tenantId)}::bigint[], ${refusals.map((r) => r.address)}::text[],
                ${refusals.map((r) => (r.response ?? '').slice(0, 1000) || null)}::text[]) AS v(t, a, s)
    ON CONFLICT (tenant_id, lower(address)) DO NOTHING`;
}
