/**
 * Checks for the Dockerfile and .dockerignore: the image the compose file and the k8s manifests run (one
 * image, three roles) is built from compiled apps and production dependencies only. What the runtime stage
 * really holds is assembled and started in production-image.test.ts.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { apiEnvSchema, workerEnvSchema } from '@postdate/config';
import { ROOT, dockerfileCmd, roleOf } from './support/app-command';
import { copiesOf, envOf, finalStage, ops, stageNamed, stages, type Stage } from './support/dockerfile';
import { IMAGE_APPS, PRODUCTION_INSTALL } from './support/production-tree';

const turboJson = JSON.parse(readFileSync(join(ROOT, 'turbo.json'), 'utf8')) as {
  globalDependencies?: string[];
  futureFlags?: Record<string, boolean>;
  tasks: Record<string, { dependsOn?: string[] }>;
};
const dbManifest = JSON.parse(readFileSync(join(ROOT, 'packages', 'db', 'package.json'), 'utf8')) as { scripts: Record<string, string> };

const runs = (stage: Stage) => ops(stage, 'RUN');
const runtimeCopies = copiesOf(finalStage);

// ------------------------------------------------------------------ .dockerignore matching

function dockerignorePatterns(): string[] {
  return readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

function patternRegex(pattern: string): RegExp {
  const p = pattern.replace(/^\.?\//, '').replace(/\/$/, '');
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const ch = p[i] as string;
    if (ch === '*' && p[i + 1] === '*') {
      if (p[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Docker semantics: last matching pattern wins; a pattern matching a parent dir excludes its contents. */
function isIgnored(path: string, patterns = dockerignorePatterns()): boolean {
  const parts = path.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const re = patternRegex(negate ? raw.slice(1) : raw);
    if (candidates.some((c) => re.test(c))) ignored = !negate;
  }
  return ignored;
}

// ====================================================================================

describe('Dockerfile', () => {
  test('prunes the monorepo to the three apps with turbo, in its own stage', () => {
    const prune = stageNamed('prune')!;
    expect(prune).toBeDefined();
    expect(runs(prune).some((r) => r.includes(`turbo prune ${IMAGE_APPS.join(' ')} --docker`))).toBe(true);
  });

  test('turbo prune carries prisma/, the shared tooling and the generate script (global files)', () => {
    expect(turboJson.futureFlags?.pruneIncludesGlobalFiles).toBe(true);
    expect(turboJson.globalDependencies).toEqual(expect.arrayContaining(['prisma/**', 'tooling/**', 'scripts/prisma-generate.sh', 'prisma.config.ts']));
  });

  test('builds the apps with the turbo graph, which generates the Prisma client first', () => {
    const build = stageNamed('build')!;
    const turboBuild = runs(build).find((r) => /\bturbo run build\b/.test(r));
    expect(turboBuild).toBeDefined();
    for (const app of IMAGE_APPS) expect(turboBuild).toContain(`--filter=${app}`);
    expect(turboJson.tasks.build?.dependsOn).toContain('^generate');
    expect(dbManifest.scripts.generate).toMatch(/prisma-generate\.sh/);
  });

  test('installs production dependencies with exactly the command the production-image test reproduces', () => {
    const installs = stages.flatMap((s) => runs(s).filter((r) => /\bnpm ci\b/.test(r)).map((r) => ({ stage: s.name, r })));
    const production = installs.filter(({ r }) => r.includes(PRODUCTION_INSTALL));
    expect(production.map((i) => i.stage)).toEqual(['production-dependencies']);
  });

  test('the runtime stage takes node_modules only from the production install, and each app only as dist/', () => {
    const modules = runtimeCopies.filter((c) => /node_modules/.test(c.source));
    expect(modules).toEqual([{ from: 'production-dependencies', source: '/app/node_modules', destination: './node_modules' }]);
    const apps = runtimeCopies.filter((c) => c.source.includes('/apps/'));
    expect(apps.map((c) => c.source).sort()).toEqual(['/app/apps/api/dist', '/app/apps/cli/dist', '/app/apps/worker/dist']);
    // No sources, no tests, no whole-repository copy.
    expect(runtimeCopies.filter((c) => c.from === undefined || c.source === '/app' || c.source === '/app/' || /src|test/.test(c.source))).toEqual([]);
  });

  test('the runtime stage carries the migrations where the migrator looks for them', () => {
    expect(runtimeCopies).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ source: '/app/prisma/migrations', destination: './prisma/migrations' }),
        expect.objectContaining({ source: '/app/packages/db/package.json', destination: './packages/db/package.json' }),
      ]),
    );
  });

  test('the runtime stage is node:20-slim, NODE_ENV=production, a numeric non-root user', () => {
    expect(finalStage.base).toBe('node:20-slim');
    expect(envOf(finalStage).NODE_ENV).toBe('production');
    const users = ops(finalStage, 'USER');
    const uid = users[users.length - 1]?.split(':')[0] ?? '';
    expect(uid).toMatch(/^\d+$/);
    expect(Number(uid)).toBeGreaterThan(0);
  });

  test('the default CMD starts the compiled API with node itself: no npm or tsx between it and SIGTERM', () => {
    expect(roleOf(dockerfileCmd())).toBe('api');
    expect(runs(finalStage)).toEqual([]);
  });

  test('EXPOSEs the API PORT and the worker METRICS_PORT defaults', () => {
    const exposed = ops(finalStage, 'EXPOSE').flatMap((a) => a.split(/\s+/)).map((p) => Number(p.split('/')[0]));
    expect(exposed).toContain(apiEnvSchema.shape.PORT.parse(undefined));
    expect(exposed).toContain(workerEnvSchema.shape.METRICS_PORT.parse(undefined));
  });
});

describe('.dockerignore', () => {
  test.each(['node_modules', 'apps/api/node_modules', 'apps/api/dist/main.js', '.turbo', '.git', '.local', 'test-artifacts', 'packages/db/src/generated/prisma/client.ts'])(
    'excludes %s',
    (path) => {
      expect(isIgnored(path)).toBe(true);
    },
  );

  test('keeps everything turbo prune and the build need', () => {
    const workspacesManifests = ['apps', 'packages'].flatMap((dir) =>
      readdirSync(join(ROOT, dir)).map((name) => `${dir}/${name}/package.json`),
    );
    const required = [
      'package.json',
      'package-lock.json',
      'turbo.json',
      'tsconfig.json',
      'tooling/tsconfig/base.json',
      'tooling/tsup/app-config.ts',
      'prisma.config.ts',
      'prisma/schema.prisma',
      'prisma/migrations/20261125000000_init/migration.sql',
      'scripts/prisma-generate.sh',
      'packages/config/src/env-schema.ts',
      'apps/api/src/main.ts',
      'apps/api/tsup.config.ts',
      ...workspacesManifests,
    ];
    expect(required.filter((p) => isIgnored(p))).toEqual([]);
  });

  test('the matcher itself distinguishes excluded from kept paths', () => {
    // guards the helper above against trivially passing
    expect(isIgnored('apps/api/src/main.ts', ['apps'])).toBe(true);
    expect(isIgnored('apps/api/src/main.ts', ['apps', '!apps/api'])).toBe(false);
    expect(isIgnored('a/b/node_modules/x.js', ['**/node_modules'])).toBe(true);
    expect(isIgnored('debug.log', ['*.log'])).toBe(true);
    expect(isIgnored('src/debug.log', ['*.log'])).toBe(false);
  });
});
