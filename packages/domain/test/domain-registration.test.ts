import { createPublicKey, createPrivateKey } from 'node:crypto';
import {
  ConflictError,
  createDkimKeyring,
  createTenant,
  recheckDomains,
  recordDomainCheck,
  registerDomain,
  trustDomain,
  verifyDomain,
  dkimRecordName,
  dkimRecordValue,
  type ResolveTxt,
} from '@postdate/domain';
import { useTestDatabase } from '@postdate/db/testing';

// Registering and verifying sender domains: one owner per name once verified, pending registrations that
// squat nothing, and the transitions a DNS check makes (and the ones a failed lookup must not make).

const t = useTestDatabase({ poolSize: 4 });
const keyring = createDkimKeyring(Buffer.alloc(32, 9));
const zone = new Map<string, string[][]>();
const failing = new Set<string>();
const resolveTxt: ResolveTxt = async (name) => {
  if (failing.has(name)) throw Object.assign(new Error('timeout'), { code: 'ETIMEOUT' });
  const records = zone.get(name);
  if (!records) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return records;
};
const publish = (domain: Parameters<typeof dkimRecordName>[0]) => zone.set(dkimRecordName(domain), [[dkimRecordValue(domain)]]);
const settings = { resolveTxt, spfInclude: undefined };
let tenants: bigint[];

beforeAll(async () => {
  tenants = await Promise.all(['reg-a', 'reg-b', 'reg-c'].map(async (name) => (await createTenant(t.db, name)).tenantId));
});

test('registration makes a pending domain with an RSA 2048 key pair, the private half sealed for it alone', async () => {
  const domain = await registerDomain(t.db, { tenantId: tenants[0]!, name: 'Fresh.Example.TEST.', keyring });
  expect(domain).toMatchObject({ name: 'fresh.example.test', status: 'pending', trusted: false, verifiedAt: null });
  expect(domain.dkimSelector).toMatch(/^pd[0-9a-f]{10}$/);
  const pem = keyring.open(domain.dkimPrivateKey, { domain: domain.name, selector: domain.dkimSelector });
  const publicKey = createPublicKey(createPrivateKey(pem)).export({ type: 'spki', format: 'der' }).toString('base64');
  expect(publicKey).toBe(domain.dkimPublicKey);
  expect(createPrivateKey(pem).asymmetricKeyDetails?.modulusLength).toBe(2048);
  await expect(registerDomain(t.db, { tenantId: tenants[0]!, name: 'fresh.example.test', keyring })).rejects.toMatchObject({
    code: 'conflict',
    message: 'fresh.example.test is already registered to this account',
    details: { id: domain.id.toString() },
  });
  await expect(registerDomain(t.db, { tenantId: tenants[0]!, name: '127.0.0.1', keyring })).rejects.toMatchObject({ code: 'validation_failed' });
});

test('pending registrations of one name coexist; whoever publishes the record owns it; then nobody else may register it', async () => {
  const [a, b, c] = tenants as [bigint, bigint, bigint];
  const squatter = await registerDomain(t.db, { tenantId: b, name: 'contested.test', keyring });
  const owner = await registerDomain(t.db, { tenantId: a, name: 'contested.test', keyring });
  expect(squatter.dkimSelector).not.toBe(owner.dkimSelector);

  publish(owner);
  expect((await verifyDomain(t.db, a, owner.id, settings)).status).toBe('verified');
  // The squatter cannot verify (its record is not published), and once the name is owned it could not anyway.
  expect((await verifyDomain(t.db, b, squatter.id, settings)).status).toBe('pending');
  publish(squatter);
  const refused = await verifyDomain(t.db, b, squatter.id, settings).catch((error: unknown) => error);
  expect(refused).toBeInstanceOf(ConflictError);
  expect((refused as ConflictError).message).toBe('contested.test is registered to another account');
  const late = await registerDomain(t.db, { tenantId: c, name: 'contested.test', keyring }).catch((error: unknown) => error);
  expect(late).toMatchObject({ code: 'conflict', message: 'contested.test is registered to another account' });
  expect(JSON.stringify((late as ConflictError).details ?? {})).not.toMatch(/reg-a|"id"/);
});

test('a check that finds the record gone makes a verified domain unverified since then; a lookup that fails changes nothing', async () => {
  const domain = await registerDomain(t.db, { tenantId: tenants[0]!, name: 'lapsing.test', keyring });
  publish(domain);
  const verified = await verifyDomain(t.db, tenants[0]!, domain.id, settings);
  expect(verified).toMatchObject({ status: 'verified', dkimRecordStatus: 'verified', unverifiedSince: null });

  failing.add(dkimRecordName(domain));
  const unknown = await verifyDomain(t.db, tenants[0]!, domain.id, settings);
  expect(unknown).toMatchObject({ status: 'verified', dkimRecordStatus: 'lookup_failed', lastCheckError: expect.stringMatching(/ETIMEOUT/) });
  failing.delete(dkimRecordName(domain));

  zone.delete(dkimRecordName(domain));
  const lapsed = await verifyDomain(t.db, tenants[0]!, domain.id, settings);
  expect(lapsed).toMatchObject({ status: 'unverified', dkimRecordStatus: 'missing' });
  expect(lapsed.unverifiedSince).toBeInstanceOf(Date);
  // Still missing later: "since" stays when it first went missing.
  const still = await verifyDomain(t.db, tenants[0]!, domain.id, settings);
  expect(still.unverifiedSince).toEqual(lapsed.unverifiedSince);

  publish(domain);
  expect(await verifyDomain(t.db, tenants[0]!, domain.id, settings)).toMatchObject({ status: 'verified', unverifiedSince: null });
});

test("the sweeper's re-check takes due verified and lapsed domains only, and reports what lapsed", async () => {
  const tenantId = (await createTenant(t.db, 'recheck')).tenantId;
  const due = await registerDomain(t.db, { tenantId, name: 'due.recheck.test', keyring });
  const recent = await registerDomain(t.db, { tenantId, name: 'recent.recheck.test', keyring });
  const pending = await registerDomain(t.db, { tenantId, name: 'pending.recheck.test', keyring });
  for (const domain of [due, recent]) publish(domain);
  for (const domain of [due, recent]) await recordDomainCheck(t.db, domain, { dkim: 'verified', spf: null, error: null });
  const trustedId = await trustDomain(t.db, tenantId, 'trusted.recheck.test', keyring);
  await t.db.$executeRaw`UPDATE sender_domain SET last_checked_at = now() - interval '2 hours' WHERE id IN (${due.id}, ${pending.id}, ${trustedId})`;
  zone.delete(dkimRecordName(due));

  const report = await recheckDomains(t.db, { ...settings, recheckSeconds: 3600, batchSize: 50 });
  const ours = (list: { name: string }[]) => list.map((d) => d.name).filter((name) => name.endsWith('.recheck.test'));
  expect(ours(report.checked)).toEqual(['due.recheck.test']);
  expect(ours(report.lapsed)).toEqual(['due.recheck.test']);
  const rows = await t.db.senderDomain.findMany({ where: { tenantId }, orderBy: { name: 'asc' } });
  expect(rows.map((r) => [r.name, r.status])).toEqual([
    ['due.recheck.test', 'unverified'],
    ['pending.recheck.test', 'pending'],
    ['recent.recheck.test', 'verified'],
    ['trusted.recheck.test', 'verified'],
  ]);
  // Taken: not due again before its next turn.
  expect(ours((await recheckDomains(t.db, { ...settings, recheckSeconds: 3600, batchSize: 50 })).checked)).toEqual([]);
});

test('an operator may trust a domain (verified without DNS, idempotently), but not one another tenant owns', async () => {
  const [a, b] = tenants as [bigint, bigint];
  const id = await trustDomain(t.db, a, 'operator.test', keyring);
  expect(await trustDomain(t.db, a, 'operator.test', keyring)).toBe(id);
  expect(await t.db.senderDomain.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'verified', trusted: true });
  // A failing check never unverifies a trusted domain.
  await recordDomainCheck(t.db, { id, tenantId: a, name: 'operator.test' }, { dkim: 'missing', spf: null, error: null });
  expect((await t.db.senderDomain.findUniqueOrThrow({ where: { id } })).status).toBe('verified');
  await expect(trustDomain(t.db, b, 'operator.test', keyring)).rejects.toMatchObject({ code: 'conflict' });
});
