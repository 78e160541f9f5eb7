import { ensureDatabase, withDatabase } from './ensure-database';
import { startLocalPostgres } from './local-postgres';
import type { LocalServicesSettings } from './local-services-settings';
import { isPostgresReachable } from './postgres-reachable';
import type { Progress } from './progress';
import { redactUrl } from './redact-url';
import { resolveServiceUrl, type ResolvedService } from './resolve-service-url';

/**
 * A Postgres URL that answers. The user's DATABASE_URL is kept verbatim (its database is their choice);
 * otherwise the URL names `database` on the conventional server or on the private one, created if missing.
 */
export async function ensurePostgres(options: {
  settings: LocalServicesSettings;
  /** DATABASE_URL as the user exported it. */
  userUrl: string | undefined;
  /** `postdate` for the stack; `postgres` (the admin database, always there) for the tests, which create their own. */
  database: string;
  progress: Progress;
}): Promise<ResolvedService> {
  const { settings, progress } = options;
  const resolved = await resolveServiceUrl({
    label: 'Postgres',
    variable: 'DATABASE_URL',
    userUrl: options.userUrl,
    defaultUrl: settings.postgres.defaultUrl,
    isReachable: (url) => isPostgresReachable(url),
    startLocal: () => startLocalPostgres(settings, progress),
    progress,
  });
  if (resolved.source === 'environment') return resolved;
  await ensureDatabase(resolved.url, options.database, progress);
  const url = withDatabase(resolved.url, options.database);
  progress(`Postgres: DATABASE_URL=${redactUrl(url)}`);
  return { url, source: resolved.source };
}
