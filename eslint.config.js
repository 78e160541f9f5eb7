// One lint configuration for the whole monorepo (ESLint 9 flat config, typescript-eslint).
const tseslint = require('typescript-eslint');

module.exports = tseslint.config(
  { ignores: ['**/node_modules/**', '**/generated/**', 'bench/results/**', 'test-artifacts/**', '.local/**', 'coverage/**'] },
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
    },
  },
  {
    files: ['apps/*/src/**/*.ts', 'packages/*/src/**/*.ts'],
    ignores: ['packages/config/src/**', 'apps/*/src/main.ts', 'packages/test-support/src/**'],
    rules: {
      // Configuration is parsed once at the app boundary and passed down; libraries never read the environment.
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through @postdate/config at the app boundary.' }],
    },
  },
  { files: ['**/*.js'], languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly' } }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
