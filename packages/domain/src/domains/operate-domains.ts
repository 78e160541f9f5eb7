import type { Db } from '@postdate/db';
import { ConflictError } from '../errors';
import { SealedKeyError, type DkimKeyring } from './dkim-keyring';
import { registerDomain } from './register-domain';

/**
 * An operator vouches for a domain (`cli domain trust`): registered if it is not yet, then verified without
 * DNS and never re-checked. For a development stack's own domain, or one whose records an operator checked
 * by other means. Idempotent. Refused (409) when another tenant owns the name.
 */
export async function trustDomain(db: Db, tenantId: bigint, name: string, keyring: DkimKeyring): Promise<bigint> {
  let id: bigint;
  try {
    id = (await registerDomain(db, { tenantId, name, keyring })).id;
  } catch (error) {
    const mine = error instanceof ConflictError ? (error.details as { id?: string } | undefined)?.id : undefined;
    if (!mine) throw error;
    id = BigInt(mine);
  }
  // A single UPDATE of the row registered above; the owned-name index refuses it if another tenant verified first.
  await db.$executeRaw`
    UPDATE sender_domain
    SET trusted = true, status = 'verified', verified_at = coalesce(verified_at, now()), unverified_since = NULL, updated_at = now()
    WHERE id = ${id} AND tenant_id = ${tenantId}`;
  return id;
}

export interface RekeyReport {
  resealed: number;
  /** Domains whose key opens under none of the keys given: left as they are. */
  unopened: string[];
}

/**
 * Key rotation's second step (README): re-seals, under DKIM_ENCRYPTION_KEY, every private key sealed under
 * one of DKIM_PREVIOUS_ENCRYPTION_KEYS. Safe to run while workers sign: each row is rewritten only if it
 * still holds what was read, and a worker given both keys opens either form.
 */
export async function rekeyDomains(db: Db, keyring: DkimKeyring): Promise<RekeyReport> {
  const report: RekeyReport = { resealed: 0, unopened: [] };
  let after = 0n;
  for (;;) {
    const rows = await db.senderDomain.findMany({
      where: { id: { gt: after } },
      orderBy: { id: 'asc' },
      take: 100,
      select: { id: true, name: true, dkimSelector: true, dkimPrivateKey: true },
    });
    if (rows.length === 0) return report;
    after = rows[rows.length - 1]!.id;
    for (const row of rows.filter((r) => !keyring.isCurrent(r.dkimPrivateKey))) {
      const context = { domain: row.name, selector: row.dkimSelector };
      let pem: string;
      try {
        pem = keyring.open(row.dkimPrivateKey, context);
      } catch (error) {
        if (!(error instanceof SealedKeyError)) throw error;
        report.unopened.push(row.name);
        continue;
      }
      const { count } = await db.senderDomain.updateMany({
        where: { id: row.id, dkimPrivateKey: row.dkimPrivateKey },
        data: { dkimPrivateKey: keyring.seal(pem, context), updatedAt: new Date() },
      });
      report.resealed += count;
    }
  }
}
