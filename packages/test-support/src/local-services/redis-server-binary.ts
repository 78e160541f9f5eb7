import { aptInstall } from './apt-install';
import { findOnPath } from './executables';
import { LocalServiceError } from './local-service-error';
import type { Progress } from './progress';

export const REDIS_INSTALL_HINT = 'apt-get install redis-server (Debian/Ubuntu), brew install redis (macOS)';

export const redisServerMissingMessage = () =>
  'Redis 7 is required, but no server answers and redis-server is not installed. Either:\n' +
  `  - install it: ${REDIS_INSTALL_HINT}, or\n` +
  '  - set REDIS_URL to a server that answers.';

/** redis-server's path: PATH, else (root with apt-get) installed from the distribution, else an error saying what to install. */
export async function ensureRedisServer(options: {
  searchPath: string;
  canInstall: boolean;
  progress: Progress;
  install?: (packages: string[], progress: Progress) => Promise<boolean>;
}): Promise<string> {
  const found = findOnPath('redis-server', options.searchPath);
  if (found) return found;
  if (options.canInstall && (await (options.install ?? aptInstall)(['redis-server'], options.progress))) {
    const installed = findOnPath('redis-server', options.searchPath);
    if (installed) return installed;
  }
  throw new LocalServiceError(redisServerMissingMessage());
}
