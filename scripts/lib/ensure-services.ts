import { ensurePostgres, ensureRedis, readLocalServicesSettings, type LocalServicesSettings } from '@postdate/test-support/local-services';
import { log } from './log';
import { repoRoot } from './repo-root';

export interface Services {
  settings: LocalServicesSettings;
  databaseUrl: string;
  redisUrl: string;
}

/**
 * Postgres (with `database` on it, unless the user's DATABASE_URL names their own) and Redis that answer:
 * the environment is read here, at the scripts' boundary, and handed to local-services as settings.
 */
export async function ensureServices(database: string): Promise<Services> {
  const { settings, databaseUrl } = await ensureDatabase(database);
  const redis = await ensureRedis({ settings, userUrl: process.env.REDIS_URL || undefined, progress: log });
  return { settings, databaseUrl, redisUrl: redis.url };
}

/** Postgres only, as ensureServices finds or starts it: for a stack whose Redis is a cluster the user named. */
export async function ensureDatabase(database: string): Promise<Omit<Services, 'redisUrl'>> {
  const settings = readLocalServicesSettings(process.env, repoRoot);
  const postgres = await ensurePostgres({ settings, userUrl: process.env.DATABASE_URL || undefined, database, progress: log });
  return { settings, databaseUrl: postgres.url };
}
