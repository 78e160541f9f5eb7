import { apiEnvSchema, ConfigError, loadConfig, workerEnvSchema } from '../src/index';

const shared = { DATABASE_URL: 'postgresql://postdate@db:5432/postdate', REDIS_URL: 'redis://redis:6379' };
const worker = { ...shared, SMTP_URL: 'smtp://mailpit:1025', MAIL_DOMAIN: 'mail.example.com' };
const key = Buffer.alloc(32, 7);

function problems(schema: Parameters<typeof loadConfig>[0], env: Record<string, string>): string[] {
  try {
    loadConfig(schema, env);
  } catch (error) {
    return (error as ConfigError).problems;
  }
  throw new Error('expected loadConfig to throw');
}

test('verified domains are required by default, and then so is DKIM_ENCRYPTION_KEY, in the API and the worker', () => {
  for (const [schema, env] of [[apiEnvSchema, shared], [workerEnvSchema, worker]] as const) {
    expect(problems(schema, env)).toEqual([expect.stringMatching(/^DKIM_ENCRYPTION_KEY: is required while REQUIRE_VERIFIED_DOMAIN is on/)]);
    const off = loadConfig(schema, { ...env, REQUIRE_VERIFIED_DOMAIN: 'false' });
    expect(off.REQUIRE_VERIFIED_DOMAIN).toBe(false);
    expect(off.DKIM_ENCRYPTION_KEY).toBeUndefined();
  }
});

test.each([
  ['64 hex digits', key.toString('hex')],
  ['base64', key.toString('base64')],
  ['base64url', key.toString('base64url')],
])('DKIM_ENCRYPTION_KEY as %s is the 32 bytes it writes', (_form, text) => {
  expect(loadConfig(apiEnvSchema, { ...shared, DKIM_ENCRYPTION_KEY: text }).DKIM_ENCRYPTION_KEY).toEqual(key);
});

test.each(['short', 'a'.repeat(63), Buffer.alloc(16).toString('base64'), Buffer.alloc(48, 0xff).toString('base64'), 'correct horse battery staple, a passphrase'])(
  'DKIM_ENCRYPTION_KEY %j is refused, not stretched into a key',
  (text) => {
    expect(problems(apiEnvSchema, { ...shared, DKIM_ENCRYPTION_KEY: text })).toEqual([expect.stringMatching(/^DKIM_ENCRYPTION_KEY: must be 32 random bytes/)]);
  },
);

test('the worker opens keys sealed under previous keys while they are re-sealed; each must be a key', () => {
  const previous = [Buffer.alloc(32, 1), Buffer.alloc(32, 2)];
  const env = { ...worker, DKIM_ENCRYPTION_KEY: key.toString('hex'), DKIM_PREVIOUS_ENCRYPTION_KEYS: previous.map((k) => k.toString('base64')).join(', ') };
  expect(loadConfig(workerEnvSchema, env).DKIM_PREVIOUS_ENCRYPTION_KEYS).toEqual(previous);
  expect(problems(workerEnvSchema, { ...env, DKIM_PREVIOUS_ENCRYPTION_KEYS: 'nope' })[0]).toMatch(/^DKIM_PREVIOUS_ENCRYPTION_KEYS: /);
});

test('DNS_SERVERS: addresses with optional ports; names and junk are refused', () => {
  const env = { ...shared, REQUIRE_VERIFIED_DOMAIN: 'false' };
  expect(loadConfig(apiEnvSchema, { ...env, DNS_SERVERS: '127.0.0.1:5353, ::1, [::1]:53,10.0.0.2' }).DNS_SERVERS).toEqual(['127.0.0.1:5353', '::1', '[::1]:53', '10.0.0.2']);
  expect(loadConfig(apiEnvSchema, env).DNS_SERVERS).toBeUndefined();
  for (const bad of ['dns.example.com', '127.0.0.1:99999', '1.2.3', ',']) {
    expect(problems(apiEnvSchema, { ...env, DNS_SERVERS: bad })[0]).toMatch(/^DNS_SERVERS: /);
  }
});

test('defaults: 72 h of grace for a lapsed domain, re-checks hourly, no SPF mechanism asked for', () => {
  const config = loadConfig(workerEnvSchema, { ...worker, DKIM_ENCRYPTION_KEY: key.toString('hex') });
  expect(config).toMatchObject({ REQUIRE_VERIFIED_DOMAIN: true, DOMAIN_UNVERIFIED_GRACE_HOURS: 72, DOMAIN_RECHECK_SECONDS: 3600 });
  expect(config.SPF_INCLUDE).toBeUndefined();
  expect(loadConfig(apiEnvSchema, { ...shared, REQUIRE_VERIFIED_DOMAIN: 'no', SPF_INCLUDE: 'include:_spf.relay.example' }).SPF_INCLUDE).toBe('include:_spf.relay.example');
  expect(problems(apiEnvSchema, { ...shared, REQUIRE_VERIFIED_DOMAIN: 'no', SPF_INCLUDE: 'v=spf1 include:x ~all' })[0]).toMatch(/^SPF_INCLUDE: /);
});
