import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiEnvSchema, ConfigError, loadConfig, migrateEnvSchema, sharedEnvSchema, variableNames, workerEnvSchema } from '../src/index';

// With REQUIRE_VERIFIED_DOMAIN on (its default), a DKIM_ENCRYPTION_KEY is required too (sender-domain-env.test.ts).
const shared = { DATABASE_URL: 'postgresql://postdate@db:5432/postdate', REDIS_URL: 'redis://redis:6379', DKIM_ENCRYPTION_KEY: 'a'.repeat(64) };
const worker = { ...shared, SMTP_URL: 'smtp://mailpit:1025', MAIL_DOMAIN: 'mail.example.com' };

function problems(schema: Parameters<typeof loadConfig>[0], env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(schema, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig: what is wrong is said by name', () => {
  test.each([
    ['DATABASE_URL', 'DATABASE_URL is required but not set'],
    // Or REDIS_CLUSTER_NODES (redis-env.test.ts).
    ['REDIS_URL', 'REDIS_URL: is required but not set (for a Redis Cluster, set REDIS_CLUSTER_NODES instead)'],
  ])('a missing %s is named as required', (name, expected) => {
    const env: Record<string, string> = { ...shared };
    delete env[name];
    expect(problems(apiEnvSchema, env)).toEqual([expected]);
  });

  test('an empty value counts as not set', () => {
    expect(problems(apiEnvSchema, { ...shared, DATABASE_URL: '' })).toEqual(['DATABASE_URL is required but not set']);
  });

  test('every problem is reported at once, and the error message lists them', () => {
    try {
      loadConfig(workerEnvSchema, {});
      throw new Error('expected a ConfigError');
    } catch (error) {
      const e = error as ConfigError;
      expect(e.name).toBe('ConfigError');
      expect([...e.problems].sort()).toEqual([
        ...['DATABASE_URL', 'MAIL_DOMAIN'].map((n) => `${n} is required but not set`),
        'REDIS_URL: is required but not set (for a Redis Cluster, set REDIS_CLUSTER_NODES instead)',
        'SMTP_URL is required but not set',
      ]);
      for (const name of ['DATABASE_URL', 'MAIL_DOMAIN', 'REDIS_URL', 'SMTP_URL']) expect(e.message).toContain(name);
    }
  });

  test.each([
    ['DATABASE_URL', 'not a url', /DATABASE_URL: /],
    ['DATABASE_URL', 'mysql://db/postdate', /DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/],
    ['REDIS_URL', 'http://redis:6379', /REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/],
    ['REDIS_URL', 'redis//nohost', /REDIS_URL: /],
  ])('a malformed %s (%j) is named with the reason', (name, value, expected) => {
    // Not a URL at all also fails the scheme check: two lines, both naming the variable.
    const found = problems(apiEnvSchema, { ...shared, [name]: value });
    expect(found.length).toBeGreaterThanOrEqual(1);
    expect(found[0]).toMatch(expected);
    for (const line of found) expect(line.startsWith(`${name}: `)).toBe(true);
  });

  test.each([
    ['SMTP_URL', 'http://mailpit:1025', /SMTP_URL: must be an smtp/],
    ['MAIL_DOMAIN', 'mail example.com', /MAIL_DOMAIN: must be a domain name/],
    ['MAIL_DOMAIN', 'x>@evil', /MAIL_DOMAIN: must be a domain name/],
    ['LEASE_RECOVERY', 'sometimes', /LEASE_RECOVERY: /],
    ['WORKER_CONCURRENCY', 'ten', /WORKER_CONCURRENCY: /],
    ['WORKER_CONCURRENCY', '0', /WORKER_CONCURRENCY: /],
    ['WORKER_CONCURRENCY', '1.5', /WORKER_CONCURRENCY: /],
    ['METRICS_PORT', '70000', /METRICS_PORT: /],
  ])('worker: a bad %s (%j) is named', (name, value, expected) => {
    const found = problems(workerEnvSchema, { ...worker, [name]: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(expected);
  });

  test.each([
    ['BODY_LIMIT_BYTES', '-1'],
    ['MAX_RECIPIENTS', '0'],
    ['MAX_RECIPIENTS', 'lots'],
    ['RATE_LIMIT_PER_MINUTE', '-5'],
    ['LOG_LEVEL', 'verbose'],
    ['ADMIN_PASSWORD', 'short'],
    ['PORT', '65536'],
    ['API_METRICS_PORT', '70000'],
  ])('api: a bad %s (%j) is named', (name, value) => {
    const found = problems(apiEnvSchema, { ...shared, [name]: value });
    expect(found).toHaveLength(1);
    expect(found[0]!.startsWith(`${name}: `)).toBe(true);
  });
});

describe('loadConfig: defaults and coercion', () => {
  test('api defaults', () => {
    const config = loadConfig(apiEnvSchema, shared);
    expect(config).toEqual({
      ...shared,
      DATABASE_POOL_SIZE: 10,
      DATABASE_STATEMENT_TIMEOUT_MS: 30_000,
      LOG_LEVEL: 'info',
      QUEUE_PREFIX: '{postdate}',
      ENQUEUE_HORIZON_SECONDS: 3600,
      PORT: 3000,
      HOST: '0.0.0.0',
      BODY_LIMIT_BYTES: 1_048_576,
      MAX_RECIPIENTS: 100,
      MAX_SCHEDULE_DAYS: 365,
      MAX_BATCH_SIZE: 1000,
      MAX_BATCH_RECIPIENTS: 10_000,
      RATE_LIMIT_PER_MINUTE: 600,
      AUTH_FAILURES_PER_MINUTE: 60,
      TRUST_PROXY: false,
      ADMIN_READ_ONLY: false,
      SHUTDOWN_GRACE_SECONDS: 10,
      WEBHOOK_ALLOW_HTTP: false,
      WEBHOOK_ALLOW_PRIVATE: false,
      WEBHOOK_SECRET_GRACE_HOURS: 24,
      REQUIRE_VERIFIED_DOMAIN: true,
      DKIM_ENCRYPTION_KEY: Buffer.from(shared.DKIM_ENCRYPTION_KEY, 'hex'),
      DOMAIN_UNVERIFIED_GRACE_HOURS: 72,
    });
    expect(config.API_METRICS_PORT).toBeUndefined();
    expect(config.ADMIN_USER).toBeUndefined();
  });

  test('worker defaults', () => {
    const config = loadConfig(workerEnvSchema, worker);
    expect(config).toMatchObject({
      WORKER_CONCURRENCY: 10,
      DELIVERY_BATCH_SIZE: 50,
      DELIVERY_BATCH_WAIT_MS: 10,
      METRICS_PORT: 9464,
      SMTP_TIMEOUT_MS: 30_000,
      LEASE_SECONDS: 120,
      MAX_SEND_SECONDS: 600,
      MAX_ATTEMPTS: 8,
      RETRY_BASE_SECONDS: 30,
      RETRY_MAX_SECONDS: 3600,
      LEASE_RECOVERY: 'at-least-once',
      SHUTDOWN_GRACE_SECONDS: 30,
      WEBHOOK_ALLOW_HTTP: false,
      WEBHOOK_ALLOW_PRIVATE: false,
      WEBHOOK_TIMEOUT_MS: 10_000,
      WEBHOOK_RETRY_SCHEDULE: [5, 300, 1800, 7200, 18_000, 36_000, 36_000, 36_000, 36_000, 36_000],
      WEBHOOK_DISABLE_AFTER_HOURS: 72,
      WEBHOOK_CONCURRENCY: 50,
      WEBHOOK_POLL_MS: 200,
    });
    // Unset means "as many as WORKER_CONCURRENCY", decided where the transport is built.
    expect(config.SMTP_POOL_SIZE).toBeUndefined();
  });

  test("one environment can start both processes: the API never reads the worker's METRICS_PORT", () => {
    // Both used to read METRICS_PORT (the API's optional /metrics port, the worker's probe port), so a shell
    // exporting it for one made the other bind the same port: EADDRINUSE.
    const env = { ...worker, METRICS_PORT: '9464' };
    expect(loadConfig(apiEnvSchema, env)).not.toHaveProperty('METRICS_PORT');
    expect(loadConfig(apiEnvSchema, env).API_METRICS_PORT).toBeUndefined();
    expect(loadConfig(apiEnvSchema, { ...env, API_METRICS_PORT: '9465' }).API_METRICS_PORT).toBe(9465);
    expect(loadConfig(workerEnvSchema, { ...env, API_METRICS_PORT: '9465' }).METRICS_PORT).toBe(9464);
  });

  test('WEBHOOK_RETRY_SCHEDULE is whole seconds separated by commas; anything else is named', () => {
    expect(loadConfig(workerEnvSchema, { ...worker, WEBHOOK_RETRY_SCHEDULE: '1, 2,3' }).WEBHOOK_RETRY_SCHEDULE).toEqual([1, 2, 3]);
    for (const bad of ['5s,10s', '1,,2', '-1', '0,5', '1.5']) {
      expect(problems(workerEnvSchema, { ...worker, WEBHOOK_RETRY_SCHEDULE: bad })).toEqual([expect.stringMatching(/^WEBHOOK_RETRY_SCHEDULE: /)]);
    }
  });

  test('numbers are coerced from strings; an empty value takes the default', () => {
    const config = loadConfig(apiEnvSchema, { ...shared, PORT: '8080', MAX_RECIPIENTS: '5', BODY_LIMIT_BYTES: '' });
    expect(config.PORT).toBe(8080);
    expect(config.MAX_RECIPIENTS).toBe(5);
    expect(config.BODY_LIMIT_BYTES).toBe(1_048_576);
  });

  test.each([
    ['false', false],
    ['0', 0],
    ['2', 2],
    ['10.0.0.0/8', ['10.0.0.0/8']],
    [' loopback, 192.0.2.7 , fd00::/8 ', ['loopback', '192.0.2.7', 'fd00::/8']],
  ])('TRUST_PROXY %j → %j, as Express takes it', (value, expected) => {
    expect(loadConfig(apiEnvSchema, { ...shared, TRUST_PROXY: value }).TRUST_PROXY).toEqual(expected);
  });

  test.each(['true', 'yes', 'example.com', '10.0.0.0/33', '1.2.3.4/8/9', '-1', 'loopback,'])('TRUST_PROXY %j is refused, naming it', (value) => {
    const found = problems(apiEnvSchema, { ...shared, TRUST_PROXY: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^TRUST_PROXY: /);
  });

  test('PORT 0 (pick a free port) and RATE_LIMIT_PER_MINUTE 0 are allowed', () => {
    const config = loadConfig(apiEnvSchema, { ...shared, PORT: '0', RATE_LIMIT_PER_MINUTE: '0' });
    expect(config.PORT).toBe(0);
    expect(config.RATE_LIMIT_PER_MINUTE).toBe(0);
  });

  test.each([
    ['true', true],
    ['1', true],
    ['yes', true],
    ['false', false],
    ['0', false],
    ['no', false],
  ])('boolean flag %j → %s', (value, expected) => {
    expect(loadConfig(apiEnvSchema, { ...shared, ADMIN_READ_ONLY: value }).ADMIN_READ_ONLY).toBe(expected);
  });

  test.each(['TRUE', 'on', 'y', '2', 'maybe'])('boolean flag %j is refused, not read as false', (value) => {
    expect(problems(apiEnvSchema, { ...shared, ADMIN_READ_ONLY: value })[0]).toMatch(/^ADMIN_READ_ONLY: /);
  });

  test('variables a schema does not know are ignored (the process environment has many)', () => {
    expect(loadConfig(sharedEnvSchema, { ...shared, PATH: '/usr/bin', HOME: '/root' })).not.toHaveProperty('PATH');
  });

  test('reads process.env when no environment is given', () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, shared, { LOG_LEVEL: 'warn' });
      expect(loadConfig(sharedEnvSchema).LOG_LEVEL).toBe('warn');
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });

  test('the schema lists every variable by name', () => {
    expect(variableNames(sharedEnvSchema)).toEqual([
      'DATABASE_POOL_SIZE',
      'DATABASE_STATEMENT_TIMEOUT_MS',
      'DATABASE_URL',
      'ENQUEUE_HORIZON_SECONDS',
      'LOG_LEVEL',
      'QUEUE_PREFIX',
      'REDIS_CLUSTER_NODES',
      'REDIS_URL',
    ]);
    expect(variableNames(workerEnvSchema)).toContain('SMTP_URL');
    expect(variableNames(apiEnvSchema)).toContain('MAX_RECIPIENTS');
  });

  test('the README\'s configuration table documents every variable any process reads, and no other', () => {
    const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8');
    const start = readme.indexOf('\n## Configuration\n');
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    // The first cell of each row names one or more variables, each in backticks.
    const documented = section
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .flatMap((line) => [...line.split('|')[1]!.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]!));
    const read = new Set([apiEnvSchema, workerEnvSchema, migrateEnvSchema].flatMap((schema) => variableNames(schema)));
    expect([...new Set(documented)].sort()).toEqual([...read].sort());
  });
});
