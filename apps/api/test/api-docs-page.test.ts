import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startTestApi, type TestApi } from './support/test-api';

// GET /docs renders the OpenAPI document with Swagger UI served by the API itself: checked in Debian's
// chromium (as the Bull Board test does), with every request that is not to the API refused and counted.

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const inCi = process.env.CI === 'true';
if (!hasChromium && !inCi) console.warn(`API docs browser test skipped: no browser at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
const browserTest = hasChromium || inCi ? test : test.skip;

const artifact = path.resolve(__dirname, '../../../test-artifacts/api-docs.png');

let stack: TestApi;
let browser: Browser | undefined;
beforeAll(async () => {
  stack = await startTestApi();
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

browserTest('the docs page renders every operation from files the API serves, and asks nothing of elsewhere', async () => {
  if (!hasChromium) throw new Error(`CI=true but no browser at ${CHROMIUM}: npm test (scripts/test.ts) installs it with apt`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const elsewhere: string[] = [];
  const problems: string[] = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.origin === stack.baseUrl) return route.continue();
    elsewhere.push(url.href);
    return route.abort();
  });
  try {
    const page = await context.newPage();
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    const response = await page.goto(`${stack.baseUrl}/docs`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toMatch(/default-src 'self'/);
    await page.getByText('postdate API', { exact: false }).first().waitFor({ timeout: 30_000 });
    for (const summary of ['Schedule an email', 'Schedule several emails, all or nothing', 'List the tenant\'s delivery events, newest first', 'Take an address off the suppression list']) {
      await page.getByText(summary, { exact: true }).first().waitFor({ timeout: 10_000 });
    }
    // One operation opened: its parameters and the schema of its answer are drawn from the document.
    await page.getByText('Schedule an email', { exact: true }).first().click();
    await page.getByText('Idempotency-Key', { exact: true }).first().waitFor({ timeout: 10_000 });
    mkdirSync(path.dirname(artifact), { recursive: true });
    await page.screenshot({ path: artifact, fullPage: true });
    expect({ elsewhere, problems }).toEqual({ elsewhere: [], problems: [] });
  } finally {
    await context.close();
  }
}, 90_000);

test('the page serves only the Swagger UI files it uses', async () => {
  expect((await fetch(`${stack.baseUrl}/docs/assets/swagger-ui-bundle.js`)).status).toBe(200);
  for (const file of ['index.html', 'swagger-initializer.js', '..%2Fpackage.json']) {
    expect([file, (await fetch(`${stack.baseUrl}/docs/assets/${file}`)).status]).toEqual([file, 404]);
  }
});
