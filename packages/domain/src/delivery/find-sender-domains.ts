import { Prisma, type Db } from '@postdate/db';
import { coveringNames } from '../domains/domain-name';
import { isUsable } from '../domains/usable-domains';

export interface SenderDomainRequest {
  tenantId: bigint;
  /** The From address's domain. */
  domain: string;
  /** How long an unverified domain may still send: each request's own, though one worker has one policy. */
  graceHours: number;
}

export interface SenderDomainRow {
  name: string;
  dkim_selector: string;
  dkim_private_key: string;
}

/**
 * For each request, the most specific usable registration of its tenant covering its domain (news.acme.com
 * before acme.com), or undefined. One query for the lot: the emails a claim batch took ask together.
 */
export async function findSenderDomains(db: Db, requests: SenderDomainRequest[]): Promise<(SenderDomainRow | undefined)[]> {
  if (requests.length === 0) return [];
  const candidates = requests.flatMap((request, i) =>
    coveringNames(request.domain).map((name) => ({ i, tenantId: request.tenantId, name, graceHours: request.graceHours })),
  );
  // No lock: a domain deleted or lapsing after this read is too late for this send (as during it), not for the next.
  const rows = await db.$queryRaw<(SenderDomainRow & { i: number })[]>`
    SELECT DISTINCT ON (c.i) c.i, d.name, d.dkim_selector, d.dkim_private_key
    FROM unnest(${candidates.map((c) => c.i)}::int[], ${candidates.map((c) => c.tenantId)}::bigint[], ${candidates.map((c) => c.name)}::text[],
                ${candidates.map((c) => c.graceHours)}::float8[]) AS c(i, tenant_id, name, grace_hours)
    JOIN LATERAL (SELECT name, dkim_selector, dkim_private_key FROM sender_domain
                  WHERE tenant_id = c.tenant_id AND name = c.name AND ${isUsable(Prisma.sql`c.grace_hours`)}) d ON true
    ORDER BY c.i, length(d.name) DESC`;
  const byRequest = new Map(rows.map(({ i, ...row }) => [i, row]));
  return requests.map((_, i) => byRequest.get(i));
}
