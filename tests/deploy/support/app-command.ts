import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..', '..');

/** What the image is started as: the API, a worker, or the migrator (the CLI's `migrate`). */
export type Role = 'api' | 'worker' | 'migrate';

const ENTRY = /^apps\/(api|worker|cli)\/dist\/main\.js$/;

/**
 * The role a container command runs. Every one is `node [--flags] apps/<app>/dist/main.js [args]`: the
 * compiled app started by node itself (PID 1 gets SIGTERM; no npm or tsx in between). Throws on anything
 * else, naming the command.
 */
export function roleOf(argv: string[]): Role {
  const [node, ...rest] = argv;
  if (node !== 'node') throw new Error(`not started with node directly: ${JSON.stringify(argv)}`);
  const scriptAt = rest.findIndex((token) => !token.startsWith('-'));
  const script = rest[scriptAt] ?? '';
  const app = ENTRY.exec(script)?.[1];
  if (!app) throw new Error(`not a compiled app entry point: ${JSON.stringify(argv)}`);
  const args = rest.slice(scriptAt + 1);
  if (app === 'cli') {
    if (args.join(' ') !== 'migrate') throw new Error(`the CLI runs only \`migrate\` in a container: ${JSON.stringify(argv)}`);
    return 'migrate';
  }
  if (args.length > 0) throw new Error(`unexpected arguments: ${JSON.stringify(argv)}`);
  return app as Role;
}

/** The app whose build produces a role's entry point; its tsup config must bundle src/main.ts as `main`. */
export function appBuildsEntry(role: Role): boolean {
  const app = role === 'migrate' ? 'cli' : role;
  const manifest = JSON.parse(readFileSync(join(ROOT, 'apps', app, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  return manifest.scripts?.build === 'tsup' && existsSync(join(ROOT, 'apps', app, 'tsup.config.ts')) && existsSync(join(ROOT, 'apps', app, 'src', 'main.ts'));
}

/** The Dockerfile's last CMD (exec form), what a container without a command runs. */
export function dockerfileCmd(): string[] {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const cmds = text.split('\n').filter((l) => /^CMD\s/i.test(l.trim()));
  const last = cmds[cmds.length - 1];
  if (!last) throw new Error('Dockerfile has no CMD');
  return JSON.parse(last.trim().replace(/^CMD\s+/i, '')) as string[];
}
