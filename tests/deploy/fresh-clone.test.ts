import { spawn, execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '@postdate/db/testing';
import { freePort, freePorts, redisUrl, startSmtpSink, TEST_DKIM_ENCRYPTION_KEY, uniqueQueuePrefix, waitFor, type SmtpSink } from '@postdate/test-support';
import { ROOT } from './support/app-command';

// What a new user does: clone, `npm ci`, then any `npm run` script the README names. Each must start (and
// stop cleanly on a signal) or exit 0, with nothing but the clone and its own install. `npm test` itself is
// what CI runs on a fresh clone, so it is not run again here; typecheck and lint, which the same run
// performs in full on these sources, are resolved through turbo (--dry-run) rather than repeated.

const run = promisify(execFile);
let clone: string;
let database: TestDatabase;
let sink: SmtpSink;

const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const scriptsInReadme = [...new Set([...readme.matchAll(/npm run (?:--silent )?([\w:-]+)/g)].map((m) => m[1]!))].sort();
const rootScripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

beforeAll(async () => {
  clone = await mkdtemp(path.join(tmpdir(), 'postdate-clone-'));
  await run('git', ['clone', '--quiet', ROOT, clone]);
  await run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: clone, env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' }, maxBuffer: 64 * 1024 * 1024 });
  [database, sink] = await Promise.all([createTestDatabase(), startSmtpSink()]);
}, 300_000);
afterAll(async () => {
  await sink?.close();
  await database?.drop();
  if (clone) await rm(clone, { recursive: true, force: true });
});

/** `npm run <script> [-- args]` in the clone, in a process group of its own (as a terminal runs it). */
function npmRun(script: string, args: string[], env: Record<string, string>) {
  const child = spawn('npm', ['run', '--silent', script, ...(args.length ? ['--', ...args] : [])], {
    cwd: clone,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', TURBO_TELEMETRY_DISABLED: '1', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    exited,
    output: () => output,
    /** Ctrl-C as a terminal sends it: to the whole foreground group. */
    interrupt: (signal: NodeJS.Signals = 'SIGINT') => process.kill(-child.pid!, signal),
  };
}

async function exitsCleanly(script: string, args: string[], env: Record<string, string> = {}) {
  const started = npmRun(script, args, env);
  const code = await started.exited;
  expect({ script, code, output: code === 0 ? '' : started.output().slice(-3000) }).toEqual({ script, code: 0, output: '' });
  return started.output();
}

async function startsAndStops(script: string, env: Record<string, string>, readyUrl: string, stopWith: NodeJS.Signals, acceptedCodes: (number | string)[]) {
  const started = npmRun(script, [], env);
  try {
    await waitFor(`${script} to answer ${readyUrl}`, async () => {
      if ((await Promise.race([started.exited, Promise.resolve('running')])) !== 'running') throw new Error(`exited:\n${started.output().slice(-3000)}`);
      return (await fetch(readyUrl).catch(() => undefined))?.status === 200;
    }, 90_000, 250);
  } finally {
    started.interrupt(stopWith);
  }
  const code = await started.exited;
  expect({ script, code: acceptedCodes.includes(code) ? 'clean' : code, output: acceptedCodes.includes(code) ? '' : started.output().slice(-3000) }).toEqual({ script, code: 'clean', output: '' });
}

// The API and worker as a user starts them with the defaults: verified sender domains required, so a DKIM key.
const shared = () => ({ DATABASE_URL: database.url, REDIS_URL: redisUrl(), QUEUE_PREFIX: uniqueQueuePrefix(), DKIM_ENCRYPTION_KEY: TEST_DKIM_ENCRYPTION_KEY });

// Every script the README names, and how a user would exercise it. A script named in the README but not
// here fails the first test: documenting a command means deciding how it is checked.
const exercised: Record<string, () => Promise<void>> = {
  migrate: async () => {
    expect(await exitsCleanly('migrate', [], { DATABASE_URL: database.url })).toContain('migrations up to date');
  },
  cli: async () => {
    const created = await exitsCleanly('cli', ['tenant', 'create', 'fresh-clone'], { DATABASE_URL: database.url });
    expect(created.trim().split('\n').pop()).toMatch(/^pd_/);
    expect(await exitsCleanly('cli', ['key', 'list', 'fresh-clone'], { DATABASE_URL: database.url })).toContain('fresh-clone');
  },
  api: async () => {
    const port = await freePort();
    await startsAndStops('api', { ...shared(), PORT: String(port), HOST: '127.0.0.1' }, `http://127.0.0.1:${port}/readyz`, 'SIGTERM', [0, 'SIGTERM']);
  },
  worker: async () => {
    const port = await freePort();
    await startsAndStops('worker', { ...shared(), SMTP_URL: sink.url, MAIL_DOMAIN: 'postdate.test', METRICS_PORT: String(port) }, `http://127.0.0.1:${port}/readyz`, 'SIGTERM', [0, 'SIGTERM']);
  },
  services: async () => {
    expect(await exitsCleanly('services', [], { DATABASE_URL: database.url, REDIS_URL: redisUrl() })).toMatch(/DATABASE_URL=/);
  },
  stack: async () => {
    const [port, smtp, web] = await freePorts(3);
    const env = { ...shared(), PORT: String(port), METRICS_PORT: '0', MAILDEV_SMTP_PORT: String(smtp), MAILDEV_WEB_PORT: String(web) };
    // Ctrl-C: the stack drains what it started and exits 130, as a shell expects of an interrupted command.
    await startsAndStops('stack', env, `http://127.0.0.1:${port}/readyz`, 'SIGINT', [0, 130, 'SIGINT']);
  },
  build: async () => {
    await exitsCleanly('build', []);
    for (const app of ['api', 'worker', 'cli']) expect(existsSync(path.join(clone, 'apps', app, 'dist', 'main.js'))).toBe(true);
  },
  generate: async () => {
    await exitsCleanly('generate', []);
  },
  openapi: async () => {
    await exitsCleanly('openapi', []);
    // What it writes is what is committed: the clone's document and client types are up to date.
    const { stdout } = await promisify(execFile)('git', ['status', '--porcelain', 'openapi.json', 'packages/client/src/generated'], { cwd: clone });
    expect(stdout).toBe('');
  },
  typecheck: async () => {
    await exitsCleanly('typecheck', ['--dry-run=json']);
  },
  lint: async () => {
    await exitsCleanly('lint', ['--dry-run=json']);
  },
};

test('every script the README names exists in package.json and is exercised here', () => {
  expect(scriptsInReadme.length).toBeGreaterThan(5);
  expect(scriptsInReadme.filter((s) => !(s in rootScripts))).toEqual([]);
  expect(scriptsInReadme.filter((s) => !(s in exercised))).toEqual([]);
});

test.each(Object.keys(exercised))('npm run %s works on a fresh clone after npm ci', async (script) => {
  await exercised[script]!();
}, 180_000);
