import { inTransaction, type Db, type SenderDomain } from '@postdate/db';
import { ConflictError, ValidationFailedError } from '../errors';
import type { DkimKeyring } from './dkim-keyring';
import { generateDkimKeyPair, newDkimSelector } from './dkim-key-pair';
import { parseDomainName } from './domain-name';

/** Domains one tenant may hold: registration generates an RSA key, which costs CPU. */
export const MAX_DOMAINS_PER_TENANT = 100;

export interface RegisterDomainCommand {
  tenantId: bigint;
  name: string;
  keyring: DkimKeyring;
}

/**
 * Registers a domain for a tenant, `pending`, with a new DKIM key pair (the private key sealed before it is
 * written). Refused when this tenant has it already (409, with its id) or another tenant owns it — has
 * verified it — (409, without saying who). Another tenant's pending registration refuses nothing: whoever
 * publishes the record in DNS gets the name, so registering a name cannot squat it.
 */
export async function registerDomain(db: Db, command: RegisterDomainCommand): Promise<SenderDomain> {
  const parsed = parseDomainName(command.name.trim().replace(/\.$/, ''));
  if ('error' in parsed) throw new ValidationFailedError(`invalid domain: ${parsed.error}`, { issues: [{ path: 'name', message: parsed.error }] });
  const { name } = parsed;
  const { tenantId } = command;
  const selector = newDkimSelector();
  // Outside the transaction: a key pair takes tens of milliseconds, no row needs to be locked meanwhile.
  const keys = await generateDkimKeyPair();
  const sealed = command.keyring.seal(keys.privateKeyPem, { domain: name, selector });

  return inTransaction(db, async (tx) => {
    // Locks the tenant row to serialise its registrations (exact cap); NO KEY UPDATE leaves its email inserts' FK checks unblocked.
    await tx.$queryRaw`SELECT 1 FROM tenant WHERE id = ${tenantId} FOR NO KEY UPDATE`;
    const held = await tx.senderDomain.count({ where: { tenantId } });
    if (held >= MAX_DOMAINS_PER_TENANT) {
      throw new ValidationFailedError(`an account may register at most ${MAX_DOMAINS_PER_TENANT} domains; delete one first`);
    }
    const owner = await tx.senderDomain.findFirst({ where: { name, status: { not: 'pending' } }, select: { tenantId: true } });
    if (owner && owner.tenantId !== tenantId) throw new ConflictError(`${name} is registered to another account`);

    // ON CONFLICT: a second registration of the name by this tenant (concurrent or not) inserts nothing.
    const inserted = await tx.$executeRaw`
      INSERT INTO sender_domain (tenant_id, name, dkim_selector, dkim_public_key, dkim_private_key)
      VALUES (${tenantId}, ${name}, ${selector}, ${keys.publicKey}, ${sealed})
      ON CONFLICT (tenant_id, name) DO NOTHING`;
    const row = await tx.senderDomain.findUniqueOrThrow({ where: { tenantId_name: { tenantId, name } } });
    if (inserted === 0) throw new ConflictError(`${name} is already registered to this account`, { id: row.id.toString() });
    return row;
  });
}
