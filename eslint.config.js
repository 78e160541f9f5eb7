// One lint configuration for the whole monorepo (ESLint 9 flat config, typescript-eslint). Each workspace's
// `lint` task runs eslint in its own folder; ESLint finds this file by looking up from there.
const tseslint = require('typescript-eslint');

// What a library may never import: an app (apps run things; packages are what they are built from), the
// code that starts apps for tests, and another package's files behind its exports map.
const layerRules = [
  { group: ['@postdate/api', '@postdate/api/*', '@postdate/worker', '@postdate/worker/*', '@postdate/cli', '@postdate/cli/*'], message: 'Packages never import apps: apps are built from packages, not the other way round.' },
  { group: ['@postdate/tests', '@postdate/tests/*', '@postdate/bench', '@postdate/bench/*'], message: 'Packages never import test or benchmark code.' },
  { group: ['@postdate/*/src', '@postdate/*/src/*'], message: "Import another workspace through its exports map, never its files." },
  { group: ['**/apps/**', '**/tests/**', '**/bench/**', '**/test/**'], message: 'Packages never reach into apps, tests or benchmarks by path.' },
];

module.exports = tseslint.config(
  { ignores: ['**/node_modules/**', '**/generated/**', '**/dist/**', 'bench/results/**', 'test-artifacts/**', '.local/**', 'coverage/**', '.turbo/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      // Tests and YAML checks read loosely-typed JSON; `any` is allowed there and flagged elsewhere.
      '@typescript-eslint/no-explicit-any': 'warn',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[property.name=/^\\$(queryRawUnsafe|executeRawUnsafe)$/]", message: 'Raw SQL goes through the tagged $queryRaw/$executeRaw only.' },
      ],
      'no-restricted-imports': ['error', { patterns: [layerRules[2]] }],
    },
  },
  {
    files: ['packages/*/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: layerRules }],
    },
  },
  {
    files: ['apps/*/src/**/*.ts', 'packages/*/src/**/*.ts'],
    ignores: ['packages/config/src/**', 'apps/*/src/main.ts', 'packages/test-support/src/**', 'packages/db/src/testing/**'],
    rules: {
      // Configuration is parsed once at the app boundary and passed down; libraries never read the environment.
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through @postdate/config at the app boundary.' }],
    },
  },
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly' } }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
  { files: ['**/*.js'], languageOptions: { sourceType: 'commonjs' } },
);
