import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { LocalServiceError } from '@postdate/test-support/local-services';
import { capture, tsx } from './run-command';
import { readSecret, writeSecret } from './secret-file';

/**
 * The stack's DKIM_ENCRYPTION_KEY, made once and kept in .local/dkim-encryption-key (0600): the demo domain's
 * private key is sealed under it, so every later run must open it with the same key. DKIM_ENCRYPTION_KEY in
 * the environment wins.
 */
export function dkimEncryptionKey(localDir: string, env: NodeJS.ProcessEnv): string {
  if (env.DKIM_ENCRYPTION_KEY) return env.DKIM_ENCRYPTION_KEY;
  const file = path.join(localDir, 'dkim-encryption-key');
  const kept = readSecret(file);
  if (kept) return kept;
  const key = randomBytes(32).toString('base64');
  writeSecret(file, key);
  return key;
}

/**
 * Verified domains are required (the default), so the demo tenant's From domain is registered and verified
 * on the operator's word (`cli domain trust`): no DNS holds records for it. Idempotent: every run trusts it.
 */
export async function trustDemoDomain(domain: string, env: NodeJS.ProcessEnv): Promise<void> {
  const result = await capture(...tsx('apps/cli/src/main.ts', 'domain', 'trust', 'demo', domain), env);
  if (!result.ok) throw new LocalServiceError(`the CLI could not trust the demo domain ${domain}:\n${result.stderr.trim()}`);
}
