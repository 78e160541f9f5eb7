import path from 'node:path';
import { LocalServiceError } from '@postdate/test-support/local-services';
import { log } from './log';
import { capture, tsx } from './run-command';
import { readSecret, writeSecret } from './secret-file';

const cli = (env: NodeJS.ProcessEnv, ...args: string[]) => capture(...tsx('apps/cli/src/main.ts', ...args), env);

/**
 * The demo tenant's API key. The tenant is created once per checkout; the database keeps only a hash of the
 * key, so .local/demo-api-key (0600) is the one copy the banner of every later run can show.
 */
export async function demoApiKey(localDir: string, env: NodeJS.ProcessEnv): Promise<string> {
  const file = path.join(localDir, 'demo-api-key');
  const kept = readSecret(file);
  if (kept) return kept;

  log('creating demo tenant');
  let result = await cli(env, 'tenant', 'create', 'demo');
  if (!result.ok && result.stderr.includes('already exists')) {
    // Created from another checkout (or .local/ was wiped): its key went with that checkout, so a new one.
    log('demo tenant already exists in this database; issuing it a new key');
    result = await cli(env, 'key', 'create', 'demo', '--label', 'stack');
  }
  if (!result.ok) throw new LocalServiceError(`the CLI could not create the demo tenant's key:\n${result.stderr.trim()}`);
  // The CLI prints the key on its last line.
  const key = result.stdout.trim().split('\n').pop()?.trim();
  if (!key) throw new LocalServiceError('the CLI printed no API key');
  writeSecret(file, key);
  return key;
}
