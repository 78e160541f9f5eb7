import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../deploy/support/app-command';

// @postdate/client as it is published: its types are the committed openapi.json's, its build loads as an
// ES module and as CommonJS with its types beside, and it imports nothing (no dependency beyond fetch).

const run = promisify(execFile);
const clientDir = path.join(ROOT, 'packages/client');
const manifest = JSON.parse(readFileSync(path.join(clientDir, 'package.json'), 'utf8'));
let outDir: string;
beforeAll(() => {
  outDir = mkdtempSync(path.join(tmpdir(), 'postdate-client-'));
});
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

test('the generated types are those of the committed openapi.json (npm run openapi rewrites them)', async () => {
  await expect(run('npm', ['run', '--silent', 'generate:types', '--', '--check'], { cwd: clientDir })).resolves.toBeDefined();
});

test('the build loads as ESM and CommonJS, with types, and imports nothing', async () => {
  await run('npx', ['tsup', '--out-dir', outDir], { cwd: clientDir });
  // Every file the exports map names is one the build wrote (dist/ → the build's folder).
  const named = JSON.stringify(manifest.exports['.']).match(/\.\/dist\/[\w.]+/g)!;
  for (const file of named) expect([file, existsSync(path.join(outDir, path.basename(file)))]).toEqual([file, true]);
  expect(manifest.dependencies ?? {}).toEqual({});

  for (const file of ['index.js', 'index.mjs']) {
    const code = readFileSync(path.join(outDir, file), 'utf8');
    expect([file, code.match(/\brequire\(["'][^"']+["']\)|\bfrom\s*["'][^"']+["']|\bimport\(["'][^"']+["']\)/g)]).toEqual([file, null]);
  }
  const script = `
    const cjs = require(${JSON.stringify(path.join(outDir, 'index.js'))});
    import(${JSON.stringify(path.join(outDir, 'index.mjs'))}).then((esm) => {
      const client = new esm.Postdate({ apiKey: 'k', baseUrl: 'http://127.0.0.1:1' });
      console.log(JSON.stringify([typeof cjs.Postdate, typeof esm.PostdateApiError, Object.keys(client).sort()]));
    });`;
  const { stdout } = await run(process.execPath, ['-e', script]);
  expect(JSON.parse(stdout)).toEqual(['function', 'function', ['domains', 'emails', 'events', 'suppressions', 'webhooks']]);
  expect(readFileSync(path.join(outDir, 'index.d.ts'), 'utf8')).toMatch(/declare class Postdate/);
}, 60_000);
