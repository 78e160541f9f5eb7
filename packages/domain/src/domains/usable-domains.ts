import { Prisma, type Db } from '@postdate/db';
import { ValidationFailedError } from '../errors';
import { coveringNames, domainOfAddress } from './domain-name';

/** Whether From must be on a verified domain, and how long a lapsed one may still send. */
export interface SenderPolicy {
  required: boolean;
  graceHours: number;
}

/**
 * The one rule for "may send as": verified, or unverified for less than the grace period (its record went
 * missing recently: a DNS migration, a zone rollback). Pending domains never. `graceHours` is a value or a
 * column of the query it goes into.
 */
export const isUsable = (graceHours: number | Prisma.Sql) =>
  Prisma.sql`(status = 'verified' OR (status = 'unverified' AND unverified_since > now() - make_interval(secs => ${graceHours}::float8 * 3600)))`;

/**
 * At create and edit: which of these From addresses the tenant may not use, by position, each with the
 * error naming its domain. One query for the lot; no lock — the claim checks again before sending.
 */
export async function refusedSenders(db: Db, tenantId: bigint, froms: string[], policy: SenderPolicy): Promise<(ValidationFailedError | undefined)[]> {
  if (!policy.required || froms.length === 0) return froms.map(() => undefined);
  const rows = await db.$queryRaw<{ name: string }[]>`
    SELECT name FROM sender_domain WHERE tenant_id = ${tenantId} AND ${isUsable(policy.graceHours)}`;
  const usable = new Set(rows.map((row) => row.name));
  return froms.map((from) => {
    const domain = domainOfAddress(from);
    if (coveringNames(domain).some((name) => usable.has(name))) return undefined;
    const message = `from: ${domain} is not a verified domain of this account (register it with POST /v1/domains, publish its DNS records, then verify it)`;
    return new ValidationFailedError(message, { issues: [{ path: 'from', message }], domain });
  });
}
