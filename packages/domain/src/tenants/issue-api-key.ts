import { inTransaction, type Db } from '@postdate/db';
import { generateApiKey } from './api-key-secret';

/** Adds an API key to a tenant. Returns the key in clear: the only time it exists outside the caller. */
export async function issueApiKey(db: Db, tenantId: bigint, label?: string): Promise<{ key: string; prefix: string }> {
  const generated = generateApiKey();
  await inTransaction(db, (tx) =>
    tx.apiKey.create({ data: { tenantId, prefix: generated.prefix, keyHash: generated.hash, label: label ?? null } }),
  );
  return { key: generated.key, prefix: generated.prefix };
}
