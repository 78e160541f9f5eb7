import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startApi, type RunningApi } from '@postdate/api/start';
import { createLogger } from '@postdate/observability';
import { apiConfig } from '@postdate/test-support';
import { startTestApi, type TestApi } from './support/test-api';

// Debian's chromium, driven by playwright-core: no browser download. Locally a missing browser skips
// with a hint; in CI it fails, so the dashboard is never silently untested.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const inCi = process.env.CI === 'true';
if (!hasChromium && !inCi) {
  console.warn(`bull-board browser tests skipped: no browser at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
}
const browserTest = hasChromium || inCi ? test : test.skip;

const admin = { username: 'operator', password: 'correct horse battery' };
const artifact = path.resolve(__dirname, '../../../test-artifacts/bull-board.png');
const silent = () => createLogger({ level: 'silent', service: 'test' });

let stack: TestApi;
let readOnlyApi: RunningApi;
let noAdminApi: RunningApi;
let browser: Browser | undefined;
const emailIds: string[] = [];

beforeAll(async () => {
  stack = await startTestApi({ apiOverrides: { ADMIN_USER: admin.username, ADMIN_PASSWORD: admin.password } });
  readOnlyApi = await startApi(apiConfig(stack, { ADMIN_USER: admin.username, ADMIN_PASSWORD: admin.password, ADMIN_READ_ONLY: 'true' }), silent());
  noAdminApi = await startApi(apiConfig(stack), silent());
  // Due in 30 minutes, inside the enqueue horizon (1 h by default): each one is a delayed job in Redis.
  const client = await stack.tenant();
  for (let i = 1; i <= 3; i++) {
    const created = await client.request('POST', '/v1/emails', {
      from: 'ops@acme.test',
      to: [`user${i}@example.com`],
      subject: `Reminder ${i}`,
      text: 'see you soon',
      sendAt: new Date(Date.now() + 30 * 60_000).toISOString(),
    });
    expect(created.status).toBe(201);
    emailIds.push(created.body.id);
  }
});

afterAll(async () => {
  await browser?.close();
  await readOnlyApi?.stop();
  await noAdminApi?.stop();
  await stack?.close();
});

async function launch(): Promise<Browser> {
  if (!hasChromium) throw new Error(`CI=true but no browser at ${CHROMIUM}: npm test (scripts/test.ts) installs it with apt`);
  browser ??= await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  return browser;
}

browserTest('with operator credentials the dashboard renders the deliveries queue and its delayed jobs', async () => {
  const context = await (await launch()).newContext({ httpCredentials: admin, viewport: { width: 1400, height: 900 } });
  try {
    const page = await context.newPage();
    const home = await page.goto(`${stack.baseUrl}/admin/queues`);
    expect(home?.status()).toBe(200);
    await page.getByText('deliveries', { exact: false }).first().waitFor({ timeout: 30_000 });
    await page.getByText('sweeps', { exact: false }).first().waitFor({ timeout: 30_000 });
    await page.getByText('webhooks', { exact: false }).first().waitFor({ timeout: 30_000 });

    await page.goto(`${stack.baseUrl}/admin/queues/queue/deliveries?status=delayed`);
    for (const id of emailIds) {
      await page.getByText(`email-${id}-`, { exact: false }).first().waitFor({ timeout: 30_000 });
    }
    mkdirSync(path.dirname(artifact), { recursive: true });
    await page.screenshot({ path: artifact, fullPage: true });
  } finally {
    await context.close();
  }
}, 90_000); // a browser start and two page loads: slow on a loaded machine

browserTest('without credentials the browser gets a 401 challenge, and wrong ones get no dashboard', async () => {
  const anonymous = await (await launch()).newContext();
  try {
    const page = await anonymous.newPage();
    const statuses: number[] = [];
    page.on('response', (response) => statuses.push(response.status()));
    // Headless Chromium cannot prompt, so it abandons the navigation after the challenge.
    await expect(page.goto(`${stack.baseUrl}/admin/queues`)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
    expect(statuses).toEqual([401]);
  } finally {
    await anonymous.close();
  }
  const wrong = await (await launch()).newContext({ httpCredentials: { username: admin.username, password: 'not the password' } });
  try {
    const page = await wrong.newPage();
    const response = await page.goto(`${stack.baseUrl}/admin/queues`);
    expect(response?.status()).toBe(401);
    expect(await page.textContent('body')).toContain('"unauthorized"');
    expect(await page.content()).not.toContain('deliveries');
  } finally {
    await wrong.close();
  }
});

test('a wrong password, a missing header or an API key answer 401 with a challenge and a JSON error', async () => {
  const client = await stack.tenant();
  const attempts: Record<string, string | undefined> = {
    none: undefined,
    wrongPassword: `Basic ${Buffer.from(`${admin.username}:wrong-password`).toString('base64')}`,
    wrongUser: `Basic ${Buffer.from(`root:${admin.password}`).toString('base64')}`,
    bearerKey: `Bearer ${client.key}`,
  };
  for (const [name, authorization] of Object.entries(attempts)) {
    const response = await fetch(`${stack.baseUrl}/admin/queues/api/queues`, { headers: authorization ? { authorization } : {} });
    expect([name, response.status]).toEqual([name, 401]);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm="postdate admin"/);
    expect(await response.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
  }
});

interface BoardQueues {
  queues: { name: string; readOnlyMode: boolean }[];
}

test('ADMIN_READ_ONLY refuses changes to the queues; without it they are allowed', async () => {
  const authorization = `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString('base64')}`;
  const readOnly = `http://127.0.0.1:${readOnlyApi.port}/admin/queues/api`;
  const listed = (await (await fetch(`${readOnly}/queues`, { headers: { authorization } })).json()) as BoardQueues;
  expect(listed.queues.map((q) => [q.name, q.readOnlyMode]).sort()).toEqual([
    ['deliveries', true],
    ['sweeps', true],
    ['webhooks', true],
  ]);
  const paused = await fetch(`${readOnly}/queues/deliveries/pause`, { method: 'PUT', headers: { authorization } });
  expect(paused.status).toBe(405);
  expect(await stack.api.context.deliveryQueue.isPaused()).toBe(false);

  const writable = (await (await fetch(`${stack.baseUrl}/admin/queues/api/queues`, { headers: { authorization } })).json()) as BoardQueues;
  expect(writable.queues.every((q) => !q.readOnlyMode)).toBe(true);
});

test('with ADMIN_USER/ADMIN_PASSWORD unset the dashboard does not exist (404), whatever is sent', async () => {
  const authorization = `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString('base64')}`;
  for (const url of ['/admin/queues', '/admin/queues/api/queues']) {
    const response = await fetch(`http://127.0.0.1:${noAdminApi.port}${url}`, { headers: { authorization } });
    expect([url, response.status]).toEqual([url, 404]);
  }
});
