import type { Db } from '@postdate/db';
import { UnauthorizedError } from '../errors';
import { apiKeyMatches, apiKeyPrefix } from './api-key-secret';

export interface Principal {
  tenantId: bigint;
  apiKeyId: bigint;
  keyPrefix: string;
}

/** Resolves a bearer key to its tenant. Revoked, unknown and malformed keys all answer the same. */
export async function authenticateApiKey(db: Db, key: string): Promise<Principal> {
  const prefix = apiKeyPrefix(key);
  // Raw rather than findUnique: this runs on every request, and a raw read skips Prisma's query building.
  const [row] = prefix
    ? await db.$queryRaw<{ id: bigint; tenant_id: bigint; key_hash: string; revoked: boolean }[]>`
        SELECT id, tenant_id, key_hash, revoked_at IS NOT NULL AS revoked FROM api_key WHERE prefix = ${prefix}`
    : [];
  if (!row || row.revoked || !apiKeyMatches(key, row.key_hash)) {
    throw new UnauthorizedError('invalid or revoked API key');
  }
  return { tenantId: row.tenant_id, apiKeyId: row.id, keyPrefix: prefix! };
}
