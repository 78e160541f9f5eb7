import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { applyMigrations, defaultMigrationsDir, readMigrations } from '@postdate/db/migrate';
import { adminDatabaseUrl } from '@postdate/db/testing';
import { waitFor } from '@postdate/test-support';

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

describe('a migration that cannot get its lock', () => {
  // One extra migration (on the database the tests above migrated) that needs an ACCESS EXCLUSIVE lock on
  // tenant, and a transaction that holds an ordinary read lock on it: the migration must give up rather
  // than queue every later query behind it.
  let extraDir: string;
  beforeAll(async () => {
    extraDir = await mkdtemp(path.join(tmpdir(), 'postdate-migrations-'));
    await mkdir(path.join(extraDir, '20990101000000_add_column'));
    await writeFile(path.join(extraDir, '20990101000000_add_column', 'migration.sql'), 'ALTER TABLE "tenant" ADD COLUMN "lock_test" INTEGER;\n');
  });
  afterAll(() => rm(extraDir, { recursive: true, force: true }));

  async function readerHoldingTenant(): Promise<Client> {
    const reader = new Client({ connectionString: url });
    await reader.connect();
    await reader.query('BEGIN');
    await reader.query('SELECT count(*) FROM tenant'); // ACCESS SHARE on tenant until COMMIT
    return reader;
  }

  async function hasColumn(): Promise<boolean> {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query("SELECT 1 FROM information_schema.columns WHERE table_name = 'tenant' AND column_name = 'lock_test'");
      return rows.length === 1;
    } finally {
      await client.end();
    }
  }

  test('gives up after its lock timeout and tries, applies nothing, and leaves other queries unblocked meanwhile', async () => {
    const reader = await readerHoldingTenant();
    try {
      const started = performance.now();
      const migrating = applyMigrations(url, extraDir, { lockTimeoutMs: 1_000, lockAttempts: 2 });
      const failed = expect(migrating).rejects.toThrow(/20990101000000_add_column failed: .*lock.*2 tries/);
      const other = new Client({ connectionString: url });
      await other.connect();
      try {
        // Once the migration is waiting for its lock, a new reader of the table queues behind it…
        await waitFor('the migration to wait for its lock', async () => {
          const { rows } = await other.query("SELECT 1 FROM pg_locks WHERE NOT granted AND relation = 'tenant'::regclass");
          return rows.length > 0;
        }, 5_000, 20);
        const queued = performance.now();
        await other.query('SELECT count(*) FROM tenant');
        const waited = performance.now() - queued;
        // …and gets through when the migration gives up (at most its lock timeout), not when the long
        // transaction ends (after this test).
        expect(waited).toBeGreaterThan(100);
        expect(waited).toBeLessThan(2_500);
      } finally {
        await other.end();
      }
      await failed;
      // Two tries of 1 s, 1 s apart.
      expect(performance.now() - started).toBeGreaterThanOrEqual(2_900);
      expect(await hasColumn()).toBe(false);
    } finally {
      await reader.query('COMMIT');
      await reader.end();
    }
  });

  test('succeeds on a later try once the long transaction has ended', async () => {
    const reader = await readerHoldingTenant();
    setTimeout(() => void reader.query('COMMIT').then(() => reader.end()), 500);
    const started = performance.now();
    await expect(applyMigrations(url, extraDir, { lockTimeoutMs: 300, lockAttempts: 5 })).resolves.toMatchObject({ applied: ['20990101000000_add_column'] });
    // The first try gave up at 300 ms; the one that applied it came 1 s later.
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_250);
    expect(await hasColumn()).toBe(true);
  });

  test('a migration that opens or commits a transaction of its own is refused before anything runs', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'postdate-migrations-'));
    try {
      await mkdir(path.join(dir, '20990102000000_commits'));
      await writeFile(path.join(dir, '20990102000000_commits', 'migration.sql'), 'ALTER TABLE "tenant" ADD COLUMN "x" INTEGER;\nCOMMIT;\n');
      await expect(applyMigrations(url, dir)).rejects.toThrow(/controls transactions itself/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
