import type { Db } from '@postdate/db';
import { QuotaExceededError } from '../errors';

/**
 * Counts `recipients` against the tenant's daily quota, in the caller's transaction. The upsert locks
 * today's counter row, and its WHERE is evaluated against the latest committed count, so the check and
 * the increment are one step: 100 concurrent creates against room for 50 admit exactly 50.
 */
export async function consumeQuota(tx: Db, tenantId: bigint, recipients: number, now: Date): Promise<void> {
  if (recipients <= 0) return;
  const day = now.toISOString().slice(0, 10);
  // Row lock on (tenant, day) via ON CONFLICT DO UPDATE: concurrent consumers of one tenant queue here.
  // Tenants without a quota take no lock at all.
  const [result] = await tx.$queryRaw<{ daily: number | null; used: number | null }[]>`
    WITH quota AS (SELECT daily_recipient_quota AS daily FROM tenant WHERE id = ${tenantId}),
    consumed AS (
      INSERT INTO quota_usage AS q (tenant_id, day, recipients)
      SELECT ${tenantId}, ${day}::date, ${recipients} FROM quota
      WHERE quota.daily IS NOT NULL AND ${recipients} <= quota.daily
      ON CONFLICT (tenant_id, day) DO UPDATE SET recipients = q.recipients + EXCLUDED.recipients
      WHERE q.recipients + EXCLUDED.recipients <= (SELECT daily FROM quota)
      RETURNING q.recipients)
    SELECT (SELECT daily FROM quota) AS daily, (SELECT recipients FROM consumed) AS used`;
  if (result?.daily === null || result?.used !== null) return;
  const [usage] = await tx.$queryRaw<{ daily: number | null; used: number | null }[]>`
    SELECT t.daily_recipient_quota AS daily, u.recipients AS used
    FROM tenant t LEFT JOIN quota_usage u ON u.tenant_id = t.id AND u.day = ${day}::date
    WHERE t.id = ${tenantId}`;
  const limit = usage?.daily ?? 0;
  const used = usage?.used ?? 0;
  throw new QuotaExceededError(
    `daily recipient quota exceeded: ${used} of ${limit} used today (UTC), ${recipients} more requested`,
    { limit, used, requested: recipients, resetsAt: `${day}T23:59:59.999Z` },
  );
}
