import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createDkimKeyring, createTenant } from '@postdate/domain';
import { startTestStack, type TestStack } from '../support';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.close());

const cli = (args: string[], env: Record<string, string> = { DATABASE_URL: stack.databaseUrl }) =>
  run(process.execPath, ['--import', 'tsx', 'apps/cli/src/main.ts', ...args], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env } });

test('tenant create prints a working API key on its last line; key list shows only its prefix; revoke is immediate', async () => {
  const { stdout } = await cli(['tenant', 'create', 'globex']);
  const key = stdout.trim().split('\n').pop()!;
  expect(key).toMatch(/^pd_[a-z0-9]{12}_[A-Za-z0-9_-]{32}$/);

  const stored = await stack.db.apiKey.findFirstOrThrow({ where: { tenant: { name: 'globex' } } });
  expect(stored.keyHash).not.toContain(key.slice(16));
  expect(key.startsWith(stored.prefix)).toBe(true);

  const authed = await fetch(`${stack.baseUrl}/v1/emails`, { headers: { authorization: `Bearer ${key}` } });
  expect(authed.status).toBe(200);

  const listing = await cli(['key', 'list', 'globex']);
  expect(listing.stdout).toContain(stored.prefix);
  expect(listing.stdout).not.toContain(key);

  await cli(['key', 'revoke', stored.prefix]);
  const revoked = await fetch(`${stack.baseUrl}/v1/emails`, { headers: { authorization: `Bearer ${key}` } });
  expect(revoked.status).toBe(401);
});

test('a missing DATABASE_URL is named, and the exit code says failure', async () => {
  await expect(cli(['tenant', 'create', 'x'], {})).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('DATABASE_URL is required') });
});

test('domain trust verifies a domain on the operator\'s word; domain rekey re-seals every key under a new DKIM_ENCRYPTION_KEY', async () => {
  const [oldKey, newKey] = [Buffer.alloc(32, 1), Buffer.alloc(32, 2)];
  const env = (current: Buffer, previous?: Buffer) => ({
    DATABASE_URL: stack.databaseUrl,
    DKIM_ENCRYPTION_KEY: current.toString('base64'),
    ...(previous && { DKIM_PREVIOUS_ENCRYPTION_KEYS: previous.toString('base64') }),
  });
  const tenant = await createTenant(stack.db, 'initech');
  const trust = await cli(['domain', 'trust', 'initech', 'Initech.test'], env(oldKey));
  expect(trust.stdout).toMatch(/domain Initech.test \(id \d+\) is verified for tenant initech/);
  const domain = await stack.db.senderDomain.findFirstOrThrow({ where: { tenantId: tenant.tenantId } });
  expect(domain).toMatchObject({ name: 'initech.test', status: 'verified', trusted: true });

  // Rotation: without the old key nothing opens (and the command says so); with it, every key is re-sealed.
  const unopened = await cli(['domain', 'rekey'], env(newKey)).catch((error: { code: number; stderr: string }) => error);
  expect(unopened).toMatchObject({ code: 1, stderr: expect.stringContaining('could not open the keys of initech.test') });
  expect((await cli(['domain', 'rekey'], env(newKey, oldKey))).stdout).toContain('re-sealed 1 DKIM key(s)');
  const resealed = (await stack.db.senderDomain.findUniqueOrThrow({ where: { id: domain.id } })).dkimPrivateKey;
  const context = { domain: domain.name, selector: domain.dkimSelector };
  expect(createDkimKeyring(newKey).open(resealed, context)).toBe(createDkimKeyring(oldKey).open(domain.dkimPrivateKey, context));
});
