import type { Db } from '@postdate/db';
import { UnauthorizedError } from '../errors';
import { createStatementBatcher } from '../statement-batcher';
import { apiKeyMatches, apiKeyPrefix } from './api-key-secret';

export interface Principal {
  tenantId: bigint;
  apiKeyId: bigint;
  keyPrefix: string;
}

interface KeyRow {
  prefix: string;
  id: bigint;
  tenant_id: bigint;
  key_hash: string;
  revoked: boolean;
}

/** Resolves bearer keys to their tenants, one read for all of them. Null where a key is not valid. */
async function lookUpKeys(db: Db, keys: string[]): Promise<(Principal | null)[]> {
  const prefixOf = keys.map(apiKeyPrefix);
  const prefixes = [...new Set(prefixOf.filter((p): p is string => p !== null))];
  // Raw rather than findMany: this runs for every request, and a raw read skips Prisma's query building.
  const rows =
    prefixes.length === 0
      ? []
      : await db.$queryRaw<KeyRow[]>`
          SELECT prefix, id, tenant_id, key_hash, revoked_at IS NOT NULL AS revoked FROM api_key WHERE prefix = ANY(${prefixes}::text[])`;
  const byPrefix = new Map(rows.map((row) => [row.prefix, row]));
  return keys.map((key, i) => {
    const prefix = prefixOf[i];
    const row = prefix ? byPrefix.get(prefix) : undefined;
    if (!row || row.revoked || !apiKeyMatches(key, row.key_hash)) return null;
    return { tenantId: row.tenant_id, apiKeyId: row.id, keyPrefix: row.prefix };
  });
}

/**
 * Resolves a bearer key to its tenant; revoked, unknown and malformed keys all answer the same. Keys of
 * requests that arrive while a lookup is in flight are read together in the next one. Every request still
 * reads after it arrived, so a revocation counts at once.
 */
export function createApiKeyAuthenticator(db: Db, options: { maxInFlight: number }): (key: string) => Promise<Principal> {
  const lookUp = createStatementBatcher((keys: string[]) => lookUpKeys(db, keys), { maxBatchSize: 200, maxInFlight: options.maxInFlight });
  return async (key) => {
    const principal = await lookUp(key);
    if (!principal) throw new UnauthorizedError('invalid or revoked API key');
    return principal;
  };
}
