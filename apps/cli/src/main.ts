import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, migrateEnvSchema, sharedEnvSchema } from '@postdate/config';
import { connectDatabase } from '@postdate/db/client';
import { applyMigrations, defaultMigrationsDir } from '@postdate/db/migrate';
import { runDomainCommand } from './domain-commands';
import { createTenant, DomainError, findTenantId, issueApiKey, listApiKeys, revokeApiKey, setDailyQuota } from '@postdate/domain';

const USAGE = `usage: npm run cli -- <command>
  migrate                               apply prisma/migrations (safe to run concurrently)
  tenant create <name> [--quota N]      create a tenant; prints its first API key on the last line
  tenant quota <name> <N|none>          set (or remove) a tenant's daily recipient quota
  key create <tenant> [--label L]       issue another API key; prints it on the last line
  key list [tenant]                     list keys (prefix only)
  key revoke <prefix>                   revoke a key at once
  domain trust <tenant> <domain>        register a sender domain, verified on your word (no DNS check, ever)
  domain rekey                          re-seal every DKIM key under DKIM_ENCRYPTION_KEY (key rotation)`;

const cliEnvSchema = sharedEnvSchema.pick({ DATABASE_URL: true });

async function run(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { quota: { type: 'string' }, label: { type: 'string' } },
  });
  const [group, action, arg] = positionals;
  if (group === 'migrate') {
    const { DATABASE_URL: url, MIGRATION_LOCK_TIMEOUT_MS } = loadConfig(migrateEnvSchema);
    const result = await applyMigrations(url, defaultMigrationsDir, { lockTimeoutMs: MIGRATION_LOCK_TIMEOUT_MS });
    for (const name of result.applied) console.log(`applied ${name}`);
    console.log(`migrations up to date (${result.applied.length} applied, ${result.alreadyApplied.length} already)`);
    return;
  }

  const { DATABASE_URL } = loadConfig(cliEnvSchema);
  const db = connectDatabase({ url: DATABASE_URL, poolSize: 2 });
  try {
    if (group === 'tenant' && action === 'create' && arg) {
      const quota = values.quota === undefined ? undefined : Number(values.quota);
      if (quota !== undefined && (!Number.isInteger(quota) || quota < 0)) throw new Error('--quota must be a whole number');
      const tenant = await createTenant(db, arg, quota);
      console.log(`created tenant ${tenant.name} (id ${tenant.tenantId}). API key (shown once, store it now):`);
      console.log(tenant.apiKey);
    } else if (group === 'tenant' && action === 'quota' && arg && positionals[3]) {
      const raw = positionals[3];
      const quota = raw === 'none' ? null : Number(raw);
      if (quota !== null && (!Number.isInteger(quota) || quota < 0)) throw new Error('quota must be a whole number or "none"');
      await setDailyQuota(db, arg, quota);
      console.log(`tenant ${arg}: daily recipient quota ${quota ?? 'none'}`);
    } else if (group === 'key' && action === 'create' && arg) {
      const tenantId = await findTenantId(db, arg);
      const key = await issueApiKey(db, tenantId, values.label);
      console.log(`issued key ${key.prefix} for tenant ${arg} (shown once, store it now):`);
      console.log(key.key);
    } else if (group === 'key' && action === 'list') {
      for (const k of await listApiKeys(db, arg)) {
        const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active';
        console.log(`${k.prefix}\t${k.tenant}\t${k.label ?? ''}\t${k.createdAt.toISOString()}\t${state}`);
      }
    } else if (group === 'key' && action === 'revoke' && arg) {
      await revokeApiKey(db, arg);
      console.log(`revoked ${arg}`);
    } else if (!(group === 'domain' && (await runDomainCommand(db, action, positionals.slice(2))))) {
      console.error(USAGE);
      process.exitCode = 2;
    }
  } finally {
    await db.$disconnect();
  }
}

run(process.argv.slice(2)).catch((error) => {
  if (error instanceof ConfigError || error instanceof DomainError) console.error(`postdate: ${error.message}`);
  else console.error(`postdate: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
