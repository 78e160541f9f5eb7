// Finding or starting the services postdate needs on a developer's machine or a CI box: Postgres, Redis, and
// the browser of the dashboard test. The one implementation, used by `npm test`, `npm run stack`,
// `npm run services` (scripts/) and by the tests' private servers.
export { readLocalServicesSettings, DEFAULT_PG_OS_USER } from './local-services-settings';
export type { LocalServicesSettings } from './local-services-settings';
export { findRepoRoot } from './repo-root';
export type { Progress } from './progress';
export { silentProgress } from './progress';
export { LocalServiceError } from './local-service-error';
export { redactUrl } from './redact-url';
export { resolveServiceUrl } from './resolve-service-url';
export type { ResolvedService, ServiceSource, ServiceCandidates } from './resolve-service-url';
export { ensurePostgres } from './ensure-postgres';
export { ensureRedis } from './ensure-redis';
export { ensureRedisServer, redisServerMissingMessage } from './redis-server-binary';
export { ensureChromium } from './ensure-chromium';
export { canAptInstall } from './apt-install';
export { stopLocalServices } from './stop-local-services';
export { isPostgresReachable } from './postgres-reachable';
export { isRedisReachable } from './redis-reachable';
export { findPostgresBinaries, postgresBinaryCandidates } from './postgres-binaries';
export type { PostgresBinarySearch } from './postgres-binaries';
export { ensurePostgresBinaries, postgresMissingMessage } from './ensure-postgres-binaries';
export { EMBEDDED_POSTGRES_VERSION } from './embedded-postgres';
export { startPostgresServer, privatePostgresUnavailable } from './throwaway-postgres';
export type { PostgresServer, ThrowawayPostgresOptions } from './throwaway-postgres';
export { startRedisServer } from './throwaway-redis';
export type { RedisServer } from './throwaway-redis';
export { startRedisCluster } from './throwaway-redis-cluster';
export type { RedisClusterServers } from './throwaway-redis-cluster';
