/**
 * Checks for the Dockerfile and .dockerignore: the image the compose file and the k8s manifests
 * run (one image, three roles) must contain what `npm run api|worker|migrate` needs.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiEnvSchema, workerEnvSchema } from '@postdate/config';

const ROOT = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  workspaces?: string[];
};

// ------------------------------------------------------------------ Dockerfile parsing

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  base: string;
  name: string | undefined;
  instructions: Instruction[];
}

function parseDockerfile(text: string): { args: Record<string, string>; stages: Stage[] } {
  // drop comment lines (also inside continuations), then join `\` continuations
  const lines = text.split('\n').filter((l) => !/^\s*#/.test(l));
  const joined = lines.join('\n').replace(/\\\n/g, ' ');
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const raw of joined.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const m = /^(\w+)\s+([\s\S]*)$/.exec(line);
    if (!m) continue;
    const op = (m[1] as string).toUpperCase();
    const args = (m[2] as string).trim();
    if (op === 'FROM') {
      const f = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!f) throw new Error(`bad FROM: ${args}`);
      const base = (f[1] as string).replace(/\$\{?(\w+)\}?/g, (_x, n: string) => globalArgs[n] ?? '');
      stages.push({ base, name: f[2], instructions: [] });
    } else if (stages.length === 0 && op === 'ARG') {
      const [k, v] = args.split('=');
      globalArgs[k as string] = v ?? '';
    } else if (stages.length > 0) {
      (stages[stages.length - 1] as Stage).instructions.push({ op, args });
    }
  }
  return { args: globalArgs, stages };
}

const dockerfile = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const stages = dockerfile.stages;
const finalStage = stages[stages.length - 1] as Stage;
const ops = (stage: Stage, op: string) => stage.instructions.filter((i) => i.op === op).map((i) => i.args);

function envOf(stage: Stage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const args of ops(stage, 'ENV')) {
    if (!args.includes('=')) {
      const [k, ...rest] = args.split(/\s+/);
      out[k as string] = rest.join(' ');
      continue;
    }
    for (const m of args.matchAll(/(\w+)=("[^"]*"|'[^']*'|\S+)/g)) out[m[1] as string] = (m[2] as string).replace(/^["']|["']$/g, '');
  }
  return out;
}

/** Stages whose filesystem ends up in `stage`: FROM <stage> ancestry and COPY --from sources. */
function contributingStages(stage: Stage, seen = new Set<Stage>()): Set<Stage> {
  if (seen.has(stage)) return seen;
  seen.add(stage);
  const byName = (n: string) => stages.find((s) => s.name === n);
  const parent = byName(stage.base);
  if (parent) contributingStages(parent, seen);
  for (const args of ops(stage, 'COPY')) {
    const from = /--from=(\S+)/.exec(args)?.[1];
    const src = from && byName(from);
    if (src) contributingStages(src, seen);
  }
  return seen;
}

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
  test('is multi-stage with an `npm ci` dependency stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages.some((s) => ops(s, 'RUN').some((r) => /\bnpm ci\b/.test(r)))).toBe(true);
  });

  test('the runtime stage is node:20-slim', () => {
    expect(finalStage.base).toBe('node:20-slim');
  });

  test('the runtime stage sets NODE_ENV=production', () => {
    expect(envOf(finalStage).NODE_ENV).toBe('production');
  });

  test('the runtime stage runs as a numeric non-root user (Kubernetes runAsNonRoot needs a uid)', () => {
    const users = ops(finalStage, 'USER');
    const last = users[users.length - 1];
    expect(last).toBeDefined();
    const uid = (last as string).split(':')[0] as string;
    expect(uid).toMatch(/^\d+$/);
    expect(Number(uid)).toBeGreaterThan(0);
  });

  test('npm ci installs what the runtime needs: tsx (runs the TypeScript) is kept', () => {
    const ci = stages.flatMap((s) => ops(s, 'RUN').map((r) => ({ s, r }))).filter(({ r }) => /\bnpm ci\b/.test(r));
    expect(ci.length).toBeGreaterThan(0);
    const tsxIsDev = Boolean(pkg.devDependencies?.tsx) && !pkg.dependencies?.tsx;
    for (const { s, r } of ci) {
      const prodEnv = envOf(s).NODE_ENV === 'production' || /\bNODE_ENV=production\b/.test(r);
      const omitsDev = /--omit[= ]dev|--only[= ]prod|--production/.test(r) || (prodEnv && !/--include[= ]dev/.test(r));
      if (tsxIsDev) expect({ run: r, omitsDev }).toEqual({ run: r, omitsDev: false });
    }
  });

  test('the Prisma client is generated at build time, in a stage the runtime image copies from', () => {
    const generators = [...contributingStages(finalStage)].filter((s) =>
      ops(s, 'RUN').some((r) => /\bbash\s+scripts\/prisma-generate\.sh\b/.test(r)),
    );
    expect(generators.length).toBeGreaterThan(0);
    expect(existsSync(join(ROOT, 'scripts', 'prisma-generate.sh'))).toBe(true);
  });

  test('the default CMD runs the API through an existing npm script', () => {
    const cmds = ops(finalStage, 'CMD');
    const cmd = JSON.parse(cmds[cmds.length - 1] as string) as string[];
    expect(cmd.slice(0, 2)).toEqual(['npm', 'run']);
    expect(cmd[2]).toBe('api');
    expect(Object.keys(pkg.scripts)).toContain(cmd[2]);
  });

  test('npm runs scripts with bash, so SIGTERM reaches the app (dash as sh does not exec and drops it)', () => {
    expect(envOf(finalStage).NPM_CONFIG_SCRIPT_SHELL).toBe('/bin/bash');
  });

  test('EXPOSEs the API PORT and the worker METRICS_PORT defaults', () => {
    const exposed = ops(finalStage, 'EXPOSE').flatMap((a) => a.split(/\s+/)).map((p) => Number(p.split('/')[0]));
    expect(exposed).toContain(apiEnvSchema.shape.PORT.parse(undefined));
    expect(exposed).toContain(workerEnvSchema.shape.METRICS_PORT.parse(undefined));
  });
});

describe('.dockerignore', () => {
  test.each(['node_modules', 'apps/api/node_modules', '.git', '.local', 'test-artifacts', 'packages/db/src/generated/prisma/client.ts'])(
    'excludes %s',
    (path) => {
      expect(isIgnored(path)).toBe(true);
    },
  );

  test('keeps everything the image needs to install, generate and run', () => {
    const workspacesManifests = ['apps', 'packages'].flatMap((dir) =>
      readdirSync(join(ROOT, dir)).map((name) => `${dir}/${name}/package.json`),
    );
    // the TypeScript entry points named by the root scripts
    const entryPoints = ['api', 'worker', 'migrate', 'cli']
      .map((s) => pkg.scripts[s] ?? '')
      .flatMap((cmd) => cmd.split(/\s+/).filter((t) => /\.ts$/.test(t)));
    const required = [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'prisma.config.ts',
      'prisma/schema.prisma',
      'prisma/migrations/20261125000000_init/migration.sql',
      'scripts/prisma-generate.sh',
      'packages/config/src/env-schema.ts',
      ...workspacesManifests,
      ...entryPoints,
    ];
    expect(entryPoints.length).toBeGreaterThanOrEqual(3);
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
