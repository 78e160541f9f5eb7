import { stopLocalPostgres } from './local-postgres';
import { stopLocalRedis } from './local-redis';
import type { LocalServicesSettings } from './local-services-settings';
import type { Progress } from './progress';

/** Stops the servers under .local/ (never the machine's own); nothing calls it automatically, so the next run starts at once. */
export async function stopLocalServices(settings: LocalServicesSettings, progress: Progress): Promise<{ postgres: boolean; redis: boolean }> {
  const postgres = await stopLocalPostgres(settings, progress);
  const redis = await stopLocalRedis(settings, progress);
  return { postgres, redis };
}
