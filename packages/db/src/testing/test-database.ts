import { createHash, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { applyMigrations, defaultMigrationsDir, readMigrations } from '../migrate';

// Isolation as graphile-worker and trigger.dev do it: one template database per set of migrations,
// built once (and kept across runs while the migrations are unchanged), cloned per test file.

export function adminDatabaseUrl(): string {
  return process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function withAdmin<T>(work: (client: Client) => Promise<T>, adminUrl = adminDatabaseUrl()): Promise<T> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function templateDatabaseName(): Promise<string> {
  const migrations = await readMigrations(defaultMigrationsDir);
  const digest = createHash('sha256').update(migrations.map((m) => m.checksum).join(',')).digest('hex');
  return `postdate_tpl_${digest.slice(0, 16)}`;
}

/**
 * Builds the template if this set of migrations has none yet. Safe when several test runs start at once.
 * `adminUrl` picks the server (default: DATABASE_URL's).
 */
export async function ensureTemplateDatabase(adminUrl = adminDatabaseUrl()): Promise<string> {
  const name = await templateDatabaseName();
  await withAdmin(async (admin) => {
    // Serialises template builds across concurrent test runs on one server.
    await admin.query('SELECT pg_advisory_lock(7270736901)');
    try {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rowCount) return;
      const building = `${name}_build_${randomBytes(3).toString('hex')}`;
      await admin.query(`CREATE DATABASE "${building}"`);
      await applyMigrations(withDatabase(adminUrl, building), defaultMigrationsDir);
      await admin.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
    } finally {
      await admin.query('SELECT pg_advisory_unlock(7270736901)');
    }
  }, adminUrl);
  return name;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database of this test file's (or benchmark's) own, named `<namePrefix>_<random>`, on
 * the server of `adminUrl` (default: DATABASE_URL's).
 */
export async function createTestDatabase(namePrefix = `postdate_test_${process.pid}`, adminUrl = adminDatabaseUrl()): Promise<TestDatabase> {
  const template = await ensureTemplateDatabase(adminUrl);
  const name = `${namePrefix}_${randomBytes(4).toString('hex')}`;
  await withAdmin(async (admin) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
        return;
      } catch (error) {
        // Another clone of the same template in progress holds it briefly; wait and try again.
        if (attempt >= 20 || !/being accessed by other users/.test((error as Error).message)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  }, adminUrl);
  return {
    name,
    url: withDatabase(adminUrl, name),
    drop: () => withAdmin(async (admin) => void (await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)), adminUrl),
  };
}
