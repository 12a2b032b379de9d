/**
 * `npm run test:unit`: the pure domain and unit tests and the ledger contract on SQLite; no
 * build, no PostgreSQL. `npm test` (jest.config.js) runs everything, on both ledgers.
 */
const { globalSetup: _setup, globalTeardown: _teardown, ...base } = require('./jest.config.js');

module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/{domain,unit,store}/**/*.test.ts'],
};
