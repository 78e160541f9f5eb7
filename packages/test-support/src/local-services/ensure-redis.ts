import { startLocalRedis } from './local-redis';
import type { LocalServicesSettings } from './local-services-settings';
import type { Progress } from './progress';
import { redactUrl } from './redact-url';
import { isRedisReachable } from './redis-reachable';
import { resolveServiceUrl, type ResolvedService } from './resolve-service-url';

/** A Redis URL that answers: the user's REDIS_URL, the conventional server, or the private one under .local/redis. */
export async function ensureRedis(options: { settings: LocalServicesSettings; userUrl: string | undefined; progress: Progress }): Promise<ResolvedService> {
  const { settings, progress } = options;
  const resolved = await resolveServiceUrl({
    label: 'Redis',
    variable: 'REDIS_URL',
    userUrl: options.userUrl,
    defaultUrl: settings.redis.defaultUrl,
    isReachable: (url) => isRedisReachable(url),
    startLocal: () => startLocalRedis(settings, progress),
    progress,
  });
  if (resolved.source !== 'environment') progress(`Redis: REDIS_URL=${redactUrl(resolved.url)}`);
  return resolved;
}
