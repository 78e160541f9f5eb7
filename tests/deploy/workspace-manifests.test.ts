import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { ROOT } from './support/app-command';

// Every workspace declares what it imports (a package that works only because another workspace happened
// to install a dependency breaks the pruned image), exposes an exports map, and packages never depend on
// apps, tests or benchmarks.

interface Manifest {
  name: string;
  exports?: Record<string, string>;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  workspaces?: string[];
}

const readManifest = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
const root = readManifest(ROOT);
const workspaceDirs = (root.workspaces ?? []).flatMap((pattern) =>
  pattern.endsWith('/*')
    ? readdirSync(path.join(ROOT, pattern.slice(0, -2))).map((name) => path.join(ROOT, pattern.slice(0, -2), name))
    : [path.join(ROOT, pattern)],
);
const workspaces = workspaceDirs.map((dir) => ({ dir, relative: path.relative(ROOT, dir), manifest: readManifest(dir) }));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (['node_modules', 'dist', 'generated', 'results', '.turbo'].includes(name)) return [];
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.ts$/.test(name) ? [full] : [];
  });
}

/** The package a bare import specifier names: `@scope/name` or `name`; undefined for relative paths and builtins. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0]!)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|require\('([^']+)'\)|import\('([^']+)'\)/g;
// Tooling every workspace runs with, declared once at the root: the test runner and its types, the compiler.
const ROOT_TOOLING = new Set(['tsup']);

test.each(workspaces.map((w) => [w.relative, w] as const))('%s declares every package it imports', (_name, workspace) => {
  const declared = new Set([...Object.keys(workspace.manifest.dependencies ?? {}), ...Object.keys(workspace.manifest.devDependencies ?? {}), workspace.manifest.name]);
  const undeclared = new Set<string>();
  for (const file of sourceFiles(workspace.dir)) {
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const name = packageOf(match[1] ?? match[2] ?? match[3] ?? '');
      if (name && !declared.has(name) && !ROOT_TOOLING.has(name)) undeclared.add(`${name} (${path.relative(workspace.dir, file)})`);
    }
  }
  expect([...undeclared]).toEqual([]);
});

test('the scan above sees imports (it would pass vacuously otherwise)', () => {
  const api = workspaces.find((w) => w.manifest.name === '@postdate/api')!;
  const seen = sourceFiles(api.dir).flatMap((file) => [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => packageOf(m[1] ?? '')));
  expect(seen).toEqual(expect.arrayContaining(['express', '@postdate/domain', '@bull-board/express']));
});

test('packages depend on no app, test or benchmark workspace', () => {
  const forbidden = workspaces.filter((w) => !w.relative.startsWith('packages/')).map((w) => w.manifest.name);
  const problems = workspaces
    .filter((w) => w.relative.startsWith('packages/'))
    .flatMap((w) =>
      [...Object.keys(w.manifest.dependencies ?? {}), ...Object.keys(w.manifest.devDependencies ?? {})]
        .filter((name) => forbidden.includes(name))
        .map((name) => `${w.manifest.name} -> ${name}`),
    );
  expect(problems).toEqual([]);
});

test('every package has an exports map as its public face, and every workspace its own scripts', () => {
  const problems = workspaces.flatMap((w) => [
    ...(w.relative.startsWith('packages/') && !w.manifest.exports ? [`${w.manifest.name}: no exports map`] : []),
    ...(['typecheck', 'lint'].filter((script) => !w.manifest.scripts?.[script]).map((script) => `${w.manifest.name}: no ${script} script`)),
  ]);
  expect(problems).toEqual([]);
});

test('the root holds tooling only: every runtime dependency belongs to the workspace that imports it', () => {
  expect(root.dependencies ?? {}).toEqual({});
});
