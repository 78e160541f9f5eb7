export { apiEnvSchema, workerEnvSchema, sharedEnvSchema, migrateEnvSchema } from './env-schema';
export type { ApiEnv, WorkerEnv, SharedEnv, MigrateEnv } from './env-schema';
export { loadConfig, variableNames, ConfigError } from './load-config';
export { redisTarget, hashTag } from './redis-env';
export type { RedisClusterNodes } from './redis-env';
export { senderDomainRules, domainRecheckRules } from './sender-domain-env';
