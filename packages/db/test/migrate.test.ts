import { Client } from 'pg';
import { applyMigrations, defaultMigrationsDir, readMigrations } from '@postdate/db/migrate';
import { adminDatabaseUrl } from '@postdate/test-support';

const name = `postdate_migrate_${process.pid}`;
const url = (() => {
  const u = new URL(adminDatabaseUrl());
  u.pathname = `/${name}`;
  return u.toString();
})();

async function admin(sql: string) {
  const client = new Client({ connectionString: adminDatabaseUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

beforeAll(() => admin(`CREATE DATABASE "${name}"`));
afterAll(() => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));

test('three concurrent migrate runs on an empty database apply each migration exactly once', async () => {
  const results = await Promise.all([1, 2, 3].map(() => applyMigrations(url, defaultMigrationsDir)));
  const migrations = await readMigrations(defaultMigrationsDir);
  expect(results.flatMap((r) => r.applied).sort()).toEqual(migrations.map((m) => m.name).sort());

  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    // Recorded in Prisma's own table with Prisma's checksum (sha256 of the file), so `prisma migrate deploy` agrees.
    const { rows } = await client.query('SELECT migration_name, checksum, finished_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name');
    expect(rows.map((r) => [r.migration_name, r.checksum, r.applied_steps_count])).toEqual(migrations.map((m) => [m.name, m.checksum, 1]));
    expect(rows.every((r) => r.finished_at instanceof Date)).toBe(true);
    const tables = await client.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
    expect(tables.rows.map((r) => r.tablename)).toEqual(expect.arrayContaining(['scheduled_email', 'recipient', 'tenant', 'api_key', 'delivery_attempt']));
  } finally {
    await client.end();
  }

  const again = await applyMigrations(url, defaultMigrationsDir);
  expect(again.applied).toEqual([]);
});

test('an applied migration that was edited afterwards is refused', async () => {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("UPDATE _prisma_migrations SET checksum = 'edited' WHERE migration_name = (SELECT min(migration_name) FROM _prisma_migrations)");
  } finally {
    await client.end();
  }
  await expect(applyMigrations(url, defaultMigrationsDir)).rejects.toThrow(/edited after it was applied/);
});
