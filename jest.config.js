/** One jest config for the monorepo. Tests run the TypeScript source through swc; nothing is built first. */
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/{apps,packages,tests}/**/test/**/*.test.ts', '<rootDir>/tests/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }] },
  globalSetup: '<rootDir>/packages/test-support/src/global-setup.ts',
  testTimeout: 60_000,
  maxWorkers: 2,
};
