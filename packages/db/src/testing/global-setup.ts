import { ensureTemplateDatabase } from './test-database';

/** Jest globalSetup: build the template database once, before any test file clones it. */
export default async function globalSetup(): Promise<void> {
  await ensureTemplateDatabase();
}
