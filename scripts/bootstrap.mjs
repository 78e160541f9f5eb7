// The entry point of `npm test`, `npm run stack` and `npm run services`. It runs before node_modules exists
// (a fresh clone), so it is plain Node with no dependencies: install when needed, then hand over to
// scripts/<command>.ts (through tsx), passing arguments and signals through and exiting with its code.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [command, ...args] = process.argv.slice(2);
const script = path.join(root, 'scripts', `${command}.ts`);
if (!command || !/^[a-z-]+$/.test(command) || !existsSync(script)) {
  console.error(`usage: node scripts/bootstrap.mjs <test|stack|services> [arguments…]`);
  process.exit(2);
}

// npm writes node_modules/.package-lock.json on every install, so its age says whether node_modules
// reflects the current lockfile. npm ci's postinstall also generates the Prisma client (turbo run generate).
const lockfile = path.join(root, 'package-lock.json');
const installed = path.join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lockfile).mtimeMs) {
  console.error('[postdate] installing dependencies (npm ci)');
  // npm's output goes to stderr: stdout is for what the command prints (`npm run services` prints URLs).
  const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (npm.status !== 0) {
    console.error('[postdate] ERROR: npm ci failed');
    process.exit(1);
  }
}

const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, stdio: 'inherit' });
// A Ctrl-C reaches the child from the terminal too; npm and `kill` signal only us, so pass them on. The
// scripts treat a repeated signal as the same request.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
// npm runs us through `sh -c`, and a SIGTERM sent to npm kills that shell without reaching us: we would run on,
// orphaned, with the stack's ports held. A changed parent means that happened: stop as if signalled.
const parent = process.ppid;
const orphanWatch = setInterval(() => {
  if (process.ppid === parent) return;
  clearInterval(orphanWatch);
  child.kill('SIGTERM');
}, 500);
orphanWatch.unref();
child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 1)));
