// @postdate/db/testing: databases for tests and benchmarks. A migrated template is built once per set of
// migrations and cloned per test file (CREATE DATABASE … TEMPLATE), as graphile-worker and trigger.dev do.
export { createTestDatabase, ensureTemplateDatabase, adminDatabaseUrl } from './test-database';
export type { TestDatabase } from './test-database';
export { useTestDatabase } from './use-test-database';
export type { TestDatabaseHandle } from './use-test-database';
export { holdQuotaLock } from './hold-quota-lock';
export type { HeldLock } from './hold-quota-lock';
