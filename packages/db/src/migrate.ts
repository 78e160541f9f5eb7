import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Client } from 'pg';

// Applies prisma/migrations without Prisma's schema engine (which cannot be downloaded offline),
// recording each one in Prisma's own `_prisma_migrations` table with Prisma's checksum, so this runner
// and `prisma migrate deploy` agree on what has been applied and either can take over.
// Migration files hold several statements, which only the simple query protocol runs; this is the one
// place postdate talks to Postgres outside Prisma, and it runs only trusted files from the repository.

/** The advisory lock key `prisma migrate` itself takes, so the two never run at once either. */
const MIGRATION_LOCK_KEY = 72707369;

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

// A migration runs inside the runner's transaction, which is what makes a retry after a lock timeout safe
// (nothing of a failed try stays). A file that commits or opens its own transaction would escape it.
const TRANSACTION_CONTROL = /^\s*(BEGIN|COMMIT|ROLLBACK|START\s+TRANSACTION)\s*(TRANSACTION|WORK)?\s*;/im;

export async function readMigrations(migrationsDir: string): Promise<Migration[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(migrationsDir, name, 'migration.sql'), 'utf8');
      if (TRANSACTION_CONTROL.test(sql)) {
        throw new Error(`Migration ${name} controls transactions itself (BEGIN/COMMIT…): the runner wraps each migration in one`);
      }
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

export interface MigrateOptions {
  /**
   * How long a migration's statement may wait for a lock before the migration gives up (and is tried
   * again). Without a bound, a migration queued behind a long transaction holds every later query on
   * that table queued behind itself: an outage caused by waiting. Default 2 000.
   */
  lockTimeoutMs?: number;
  /** Tries per migration when it gave up on a lock, 1 s, 2 s, 4 s… apart. Default 5. */
  lockAttempts?: number;
}

const LOCK_NOT_AVAILABLE = '55P03';

export async function applyMigrations(databaseUrl: string, migrationsDir: string, options: MigrateOptions = {}): Promise<MigrationResult> {
  const lockTimeoutMs = options.lockTimeoutMs ?? 2_000;
  const lockAttempts = options.lockAttempts ?? 5;
  const migrations = await readMigrations(migrationsDir);
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // Serialises concurrent migrate runs (several pods starting at once): the second waits, then finds nothing to do.
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0
    )`);
    const { rows } = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL',
    );
    const recorded = new Map(rows.map((r) => [r.migration_name, r]));
    const result: MigrationResult = { applied: [], alreadyApplied: [] };
    for (const migration of migrations) {
      const previous = recorded.get(migration.name);
      if (previous?.finished_at) {
        if (previous.checksum !== migration.checksum) {
          throw new Error(`Migration ${migration.name} was edited after it was applied (checksum differs)`);
        }
        result.alreadyApplied.push(migration.name);
        continue;
      }
      if (previous) throw new Error(`Migration ${migration.name} failed earlier and needs manual resolution`);
      for (let attempt = 1; ; attempt++) {
        await client.query('BEGIN');
        try {
          // For this transaction only: the migration's own statements, not the advisory lock above.
          await client.query("SELECT set_config('lock_timeout', $1, true)", [`${lockTimeoutMs}ms`]);
          await client.query(migration.sql);
          await client.query(
            `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, applied_steps_count)
             VALUES ($1, $2, $3, now(), 1)`,
            [randomUUID(), migration.checksum, migration.name],
          );
          await client.query('COMMIT');
          break;
        } catch (error) {
          await client.query('ROLLBACK');
          const waitedForLock = (error as { code?: unknown }).code === LOCK_NOT_AVAILABLE;
          if (waitedForLock && attempt < lockAttempts) {
            await new Promise((resolve) => setTimeout(resolve, 1_000 * 2 ** (attempt - 1)));
            continue;
          }
          const hint = waitedForLock
            ? ` (no lock within ${lockTimeoutMs} ms, ${attempt} tries: a long transaction holds the table; nothing was applied, run it again once it ends)`
            : '';
          throw new Error(`Migration ${migration.name} failed: ${(error as Error).message}${hint}`);
        }
      }
      result.applied.push(migration.name);
    }
    return result;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
}

/**
 * prisma/migrations, beside schema.prisma, two folders above this package. Found from the package's own
 * root (its package.json) rather than by counting folders up from this file, so the source, an app bundled
 * under dist/ and the production image (which keeps the same layout) all agree.
 */
export const defaultMigrationsDir = path.resolve(path.dirname(require.resolve('@postdate/db/package.json')), '../../prisma/migrations');
