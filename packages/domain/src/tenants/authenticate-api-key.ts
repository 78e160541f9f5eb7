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
  const row = prefix ? await db.apiKey.findUnique({ where: { prefix } }) : null;
  if (!row || row.revokedAt !== null || !apiKeyMatches(key, row.keyHash)) {
    throw new UnauthorizedError('invalid or revoked API key');
  }
  return { tenantId: row.tenantId, apiKeyId: row.id, keyPrefix: row.prefix };
}
