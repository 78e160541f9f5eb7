const config = require('../tooling/jest/jest-config').jestConfig(__dirname, { templateDatabase: true, testMatch: ['<rootDir>/**/*.test.ts'] });

// @postdate/client is published from its dist/; its exports map's '@postdate/source' condition gives its
// TypeScript source to the tests instead, which then wait for no build.
module.exports = { ...config, testEnvironmentOptions: { customExportConditions: ['@postdate/source', 'node', 'node-addons'] } };
