import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');

const start = (app: 'api' | 'worker', env: Record<string, string>) =>
  run(process.execPath, ['--import', 'tsx', `apps/${app}/src/main.ts`], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 20_000 });

const good = {
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/postgres',
  REDIS_URL: 'redis://127.0.0.1:6379',
  SMTP_URL: 'smtp://127.0.0.1:2525',
  MAIL_DOMAIN: 'example.com',
};

// Each variable's rules are unit-tested in packages/config; here, that the real processes refuse to start.
test.each([
  ['worker', { ...good, SMTP_URL: '' }, 'SMTP_URL is required'],
  ['worker', { ...good, REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL'],
  ['api', { ...good, DATABASE_URL: '' }, 'DATABASE_URL is required'],
  // Verified sender domains are required by default, and their keys are sealed with this one.
  ['api', good, 'DKIM_ENCRYPTION_KEY: is required while REQUIRE_VERIFIED_DOMAIN is on'],
  ['worker', { ...good, DKIM_ENCRYPTION_KEY: 'too short' }, 'DKIM_ENCRYPTION_KEY: must be 32 random bytes'],
] as const)('%s exits at start with a message naming the bad variable (%#)', async (app, env, expected) => {
  const failure = await start(app, Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''))).then(
    () => {
      throw new Error('process started with a bad configuration');
    },
    (error: { code: number; stderr: string }) => error,
  );
  expect(failure.code).toBe(2);
  expect(failure.stderr).toContain(expected);
  expect(failure.stderr).not.toMatch(/\n\s+at /);
});
