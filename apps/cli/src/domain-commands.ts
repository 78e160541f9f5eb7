import { domainRecheckRules, loadConfig, senderDomainRules, sharedEnvSchema } from '@postdate/config';
import type { Database } from '@postdate/db/client';
import { createDkimKeyring, findTenantId, rekeyDomains, trustDomain } from '@postdate/domain';

// The keys these commands seal and open DKIM private keys with: the workers' and the API's.
const keysEnvSchema = sharedEnvSchema.pick({ DATABASE_URL: true }).extend({
  DKIM_ENCRYPTION_KEY: senderDomainRules.DKIM_ENCRYPTION_KEY.unwrap(),
  DKIM_PREVIOUS_ENCRYPTION_KEYS: domainRecheckRules.DKIM_PREVIOUS_ENCRYPTION_KEYS,
});

function keyring() {
  const env = loadConfig(keysEnvSchema);
  return createDkimKeyring(env.DKIM_ENCRYPTION_KEY, env.DKIM_PREVIOUS_ENCRYPTION_KEYS ?? []);
}

/** `domain trust <tenant> <name>` and `domain rekey`; false when the arguments name neither. */
export async function runDomainCommand(db: Database, action: string | undefined, args: string[]): Promise<boolean> {
  const [tenant, name] = args;
  if (action === 'trust' && tenant && name) {
    const id = await trustDomain(db, await findTenantId(db, tenant), name, keyring());
    console.log(`domain ${name} (id ${id}) is verified for tenant ${tenant} on your word: it is not checked in DNS`);
    return true;
  }
  if (action === 'rekey') {
    const report = await rekeyDomains(db, keyring());
    console.log(`re-sealed ${report.resealed} DKIM key(s) under DKIM_ENCRYPTION_KEY`);
    if (report.unopened.length > 0) {
      console.error(`could not open the keys of ${report.unopened.join(', ')}: add the key that sealed them to DKIM_PREVIOUS_ENCRYPTION_KEYS`);
      process.exitCode = 1;
    }
    return true;
  }
  return false;
}
