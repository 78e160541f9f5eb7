import { inTransaction, type Db } from '@postdate/db';
import { ConflictError } from '../errors';
import { issueApiKey } from './issue-api-key';

export interface CreatedTenant {
  tenantId: bigint;
  name: string;
  apiKey: string;
}

/** Creates a tenant and its first API key in one transaction (the caller's, if open); the key is shown once, here. */
export function createTenant(db: Db, name: string, dailyRecipientQuota?: number): Promise<CreatedTenant> {
  return inTransaction(db, async (tx) => {
    const existing = await tx.tenant.findUnique({ where: { name } });
    if (existing) throw new ConflictError(`tenant ${name} already exists`);
    const tenant = await tx.tenant.create({ data: { name, dailyRecipientQuota: dailyRecipientQuota ?? null } });
    const { key } = await issueApiKey(tx, tenant.id, 'initial');
    return { tenantId: tenant.id, name: tenant.name, apiKey: key };
  });
}
