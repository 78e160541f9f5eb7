import { inTransaction, type Db } from '@postdate/db';
import { NotFoundError } from '../errors';

export interface ApiKeyListing {
  prefix: string;
  tenant: string;
  label: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

/** Keys as operators may see them: the prefix, never the secret or its hash. */
export async function listApiKeys(db: Db, tenantName?: string): Promise<ApiKeyListing[]> {
  const rows = await db.apiKey.findMany({
    where: tenantName ? { tenant: { name: tenantName } } : {},
    include: { tenant: { select: { name: true } } },
    orderBy: { id: 'asc' },
  });
  return rows.map((r) => ({ prefix: r.prefix, tenant: r.tenant.name, label: r.label, createdAt: r.createdAt, revokedAt: r.revokedAt }));
}

/** Revocation is immediate: every request authenticates against the row, nothing is cached. */
export function revokeApiKey(db: Db, prefix: string): Promise<void> {
  return inTransaction(db, async (tx) => {
    const updated = await tx.apiKey.updateMany({ where: { prefix, revokedAt: null }, data: { revokedAt: new Date() } });
    if (updated.count === 0) {
      const exists = await tx.apiKey.findUnique({ where: { prefix } });
      if (!exists) throw new NotFoundError(`API key ${prefix} not found`);
    }
  });
}

/** Sets (or, with null, removes) a tenant's daily recipient quota. */
export function setDailyQuota(db: Db, tenantName: string, quota: number | null): Promise<void> {
  return inTransaction(db, async (tx) => {
    const updated = await tx.tenant.updateMany({ where: { name: tenantName }, data: { dailyRecipientQuota: quota } });
    if (updated.count === 0) throw new NotFoundError(`tenant ${tenantName} not found`);
  });
}

export async function findTenantId(db: Db, name: string): Promise<bigint> {
  const tenant = await db.tenant.findUnique({ where: { name } });
  if (!tenant) throw new NotFoundError(`tenant ${name} not found`);
  return tenant.id;
}
