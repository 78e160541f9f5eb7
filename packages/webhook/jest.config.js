module.exports = require('../../tooling/jest/jest-config').jestConfig(__dirname);
