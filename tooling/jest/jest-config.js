// The one jest setup every workspace shares. Tests run the TypeScript source through swc: nothing is
// built first, and a workspace's tests compile the source of the workspaces it imports.
const path = require('node:path');

/**
 * @param {string} rootDir the workspace folder (its jest.config.js passes __dirname)
 * @param {{ templateDatabase?: boolean, testMatch?: string[] }} [options] templateDatabase: build the
 *   migrated template database once before any test file clones it (workspaces whose tests use Postgres)
 */
function jestConfig(rootDir, options = {}) {
  return {
    rootDir,
    displayName: path.basename(rootDir),
    testEnvironment: 'node',
    testMatch: options.testMatch ?? ['<rootDir>/test/**/*.test.ts'],
    testPathIgnorePatterns: ['/node_modules/'],
    transform: {
      '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
    },
    ...(options.templateDatabase ? { globalSetup: require.resolve('@postdate/db/testing/global-setup') } : {}),
    testTimeout: 60_000,
    // Two cores: two test files at a time. Workspaces run their suites one after another (turbo --concurrency 1).
    maxWorkers: 2,
  };
}

module.exports = { jestConfig };
