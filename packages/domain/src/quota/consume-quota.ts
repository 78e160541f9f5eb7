import type { Db } from '@postdate/db';
import { QuotaExceededError } from '../errors';

/** Today's quota day (UTC), as the counter rows key it. */
export const quotaDay = (now: Date) => now.toISOString().slice(0, 10);

/** The error for a refused request, with today's figures read after the fact. */
export async function quotaExceededError(db: Db, tenantId: bigint, requested: number, now: Date): Promise<QuotaExceededError> {
  const day = quotaDay(now);
  const [usage] = await db.$queryRaw<{ daily: number | null; used: number | null }[]>`
    SELECT t.daily_recipient_quota AS daily, u.recipients AS used
    FROM tenant t LEFT JOIN quota_usage u ON u.tenant_id = t.id AND u.day = ${day}::date
    WHERE t.id = ${tenantId}`;
  const limit = usage?.daily ?? 0;
  const used = usage?.used ?? 0;
  return new QuotaExceededError(
    `daily recipient quota exceeded: ${used} of ${limit} used today (UTC), ${requested} more requested`,
    { limit, used, requested, resetsAt: `${day}T23:59:59.999Z` },
  );
}

/**
 * Counts `recipients` against the tenant's daily quota, in the caller's transaction, or throws (and the
 * caller's transaction rolls back whatever it wrote). The check and the increment are one step: the upsert
 * locks today's counter row and its WHERE is evaluated against the latest committed count, so 100
 * concurrent creates against room for 50 admit exactly 50. A tenant without a quota takes no lock.
 */
export async function consumeQuota(tx: Db, tenantId: bigint, recipients: number, now: Date): Promise<void> {
  if (recipients <= 0) return;
  // Row lock on (tenant, day) via ON CONFLICT DO UPDATE: a tenant's concurrent consumers queue here.
  const [result] = await tx.$queryRaw<{ admitted: boolean }[]>`
    WITH quota AS (SELECT daily_recipient_quota AS daily FROM tenant WHERE id = ${tenantId}),
    consumed AS (
      INSERT INTO quota_usage AS q (tenant_id, day, recipients)
      SELECT ${tenantId}, ${quotaDay(now)}::date, ${recipients}::int FROM quota
      WHERE quota.daily IS NOT NULL AND ${recipients}::int <= quota.daily
      ON CONFLICT (tenant_id, day) DO UPDATE SET recipients = q.recipients + EXCLUDED.recipients
      WHERE q.recipients + EXCLUDED.recipients <= (SELECT daily FROM quota)
      RETURNING q.recipients)
    SELECT (SELECT daily FROM quota) IS NULL OR EXISTS (SELECT 1 FROM consumed) AS admitted`;
  if (!result?.admitted) throw await quotaExceededError(tx, tenantId, recipients, now);
}
