import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { startTestStack, type TestStack } from '@postdate/test-support';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../../..');
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
