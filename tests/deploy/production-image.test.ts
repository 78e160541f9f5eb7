import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '@postdate/db/testing';
import { freePorts, redisUrl, TEST_DKIM_ENCRYPTION_KEY, uniqueQueuePrefix, waitFor } from '@postdate/test-support';
import { assembleProductionTree, type ProductionTree } from './support/production-tree';

// The image's runtime stage, assembled without a container engine from the Dockerfile's own COPY
// instructions (support/production-tree.ts), then run as the compose file and the manifests run it:
// `node apps/<app>/dist/main.js`, production dependencies only.

let tree: ProductionTree;
let database: TestDatabase;

beforeAll(async () => {
  [tree, database] = await Promise.all([assembleProductionTree(), createTestDatabase()]);
}, 240_000);
afterAll(async () => {
  await tree?.remove();
  await database?.drop();
});

async function sizeOf(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await sizeOf(full);
    else if (entry.isFile()) total += (await stat(full)).size;
  }
  return total;
}

test('node_modules holds production dependencies only: no test runner, compiler, Prisma CLI or tsx', async () => {
  const modules = path.join(tree.dir, 'node_modules');
  for (const devOnly of ['jest', 'typescript', 'prisma', 'tsx', 'tsup', 'turbo', 'eslint', 'playwright-core', 'maildev', 'autocannon', '@swc/core']) {
    expect({ devOnly, present: existsSync(path.join(modules, devOnly)) }).toEqual({ devOnly, present: false });
  }
  for (const runtime of ['express', 'bullmq', 'ioredis', 'nodemailer', 'pg', '@prisma/client', '@prisma/adapter-pg', 'pino', 'zod']) {
    expect({ runtime, present: existsSync(path.join(modules, runtime)) }).toEqual({ runtime, present: true });
  }
  // No TypeScript source of ours: the apps are their bundles.
  expect(existsSync(path.join(tree.dir, 'apps/api/src'))).toBe(false);
  process.stdout.write(`production node_modules: ${((await sizeOf(modules)) / 2 ** 20).toFixed(0)} MiB\n`);
});

function start(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, args, { cwd: tree.dir, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

test('the compiled migrator, API and worker run from it: migrate, answer /readyz, stop on SIGTERM with 0', async () => {
  const migrate = start(['apps/cli/dist/main.js', 'migrate'], { DATABASE_URL: database.url });
  expect({ code: await migrate.exited, output: migrate.output() }).toMatchObject({ code: 0, output: expect.stringContaining('migrations up to date') });

  const [apiPort, workerPort] = await freePorts(2);
  // Production settings: verified sender domains required (the default), so a DKIM key to seal theirs with.
  const shared = { DATABASE_URL: database.url, REDIS_URL: redisUrl(), QUEUE_PREFIX: uniqueQueuePrefix(), LOG_LEVEL: 'info', DKIM_ENCRYPTION_KEY: TEST_DKIM_ENCRYPTION_KEY };
  const api = start(['apps/api/dist/main.js'], { ...shared, PORT: String(apiPort), HOST: '127.0.0.1' });
  const worker = start(['apps/worker/dist/main.js'], { ...shared, SMTP_URL: 'smtp://127.0.0.1:1', MAIL_DOMAIN: 'postdate.test', METRICS_PORT: String(workerPort) });
  try {
    for (const port of [apiPort, workerPort]) {
      await waitFor(`:${port}/readyz`, async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200, 30_000, 200);
    }
  } finally {
    api.child.kill('SIGTERM');
    worker.child.kill('SIGTERM');
  }
  expect({ api: await api.exited, worker: await worker.exited }).toEqual({ api: 0, worker: 0 });
});
