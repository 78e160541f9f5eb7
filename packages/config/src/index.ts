export { apiEnvSchema, workerEnvSchema, sharedEnvSchema, migrateEnvSchema } from './env-schema';
export type { ApiEnv, WorkerEnv, SharedEnv, MigrateEnv } from './env-schema';
export { loadConfig, variableNames, ConfigError } from './load-config';
