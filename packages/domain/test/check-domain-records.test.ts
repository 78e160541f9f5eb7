import { checkDomainRecords, dkimRecordValue, type ResolveTxt } from '@postdate/domain';

// What a look at DNS concludes: only a definite answer (no such name, no such record, another key) says a
// record is missing or wrong; a resolver that could not answer says nothing about the domain.

const domain = { name: 'acme.test', dkimSelector: 'pd0123456789', dkimPublicKey: 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtest+/=' };
const dkimName = 'pd0123456789._domainkey.acme.test';
const failure = (code: string) => Object.assign(new Error(`query failed: ${code}`), { code });

function resolverOf(zone: Record<string, string[][] | Error>): ResolveTxt {
  return async (name) => {
    const answer = zone[name];
    if (answer instanceof Error) throw answer;
    if (!answer) throw failure('ENOTFOUND');
    return answer;
  };
}

test('the DKIM record as published, split into character-strings, verifies', async () => {
  const value = dkimRecordValue(domain);
  const split = [value.slice(0, 255), value.slice(255)];
  expect(await checkDomainRecords(resolverOf({ [dkimName]: [split] }), domain, undefined)).toEqual({ dkim: 'verified', spf: null, error: null });
  // Tags in another order, folding whitespace inside p=, another unrelated TXT record beside it.
  const folded = `k=rsa;  p=${domain.dkimPublicKey.slice(0, 10)} ${domain.dkimPublicKey.slice(10)} ; v=DKIM1`;
  expect((await checkDomainRecords(resolverOf({ [dkimName]: [['google-site-verification=x'], [folded]] }), domain, undefined)).dkim).toBe('verified');
});

test.each([
  ['no such name', failure('ENOTFOUND'), 'missing'],
  ['no TXT record', failure('ENODATA'), 'missing'],
  ['another key', [['v=DKIM1; k=rsa; p=MIIBother']], 'mismatch'],
  ['a revoked key (empty p=)', [['v=DKIM1; p=']], 'mismatch'],
  ['only unrelated TXT', [['hello']], 'mismatch'],
  ['a timeout', failure('ETIMEOUT'), 'lookup_failed'],
  ['SERVFAIL', failure('ESERVFAIL'), 'lookup_failed'],
] as const)('%s: %s', async (_what, answer, expected) => {
  const check = await checkDomainRecords(resolverOf({ [dkimName]: answer as string[][] | Error }), domain, undefined);
  expect(check.dkim).toBe(expected);
  if (expected === 'lookup_failed') expect(check.error).toMatch(new RegExp(`looking up ${dkimName}: E`));
});

test('SPF, when the relay asks for a mechanism: in the one SPF record, with or without +; advice, reported apart', async () => {
  const dkim = [[dkimRecordValue(domain)]];
  const spf = async (records: string[][] | Error) => (await checkDomainRecords(resolverOf({ [dkimName]: dkim, 'acme.test': records }), domain, 'include:_spf.relay.example')).spf;
  expect(await spf([['v=spf1 mx include:_spf.relay.example -all']])).toBe('verified');
  expect(await spf([['v=spf1 +include:_SPF.relay.example ~all'], ['other']])).toBe('verified');
  expect(await spf([['v=spf1 mx -all']])).toBe('mismatch');
  expect(await spf([['v=spf1 include:_spf.relay.example ~all'], ['v=spf1 mx ~all']])).toBe('mismatch');
  expect(await spf([['some other record']])).toBe('missing');
  expect(await spf(failure('ETIMEOUT'))).toBe('lookup_failed');
});
