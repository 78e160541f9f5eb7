export { apiEnvSchema, workerEnvSchema, sharedEnvSchema } from './env-schema';
export type { ApiEnv, WorkerEnv, SharedEnv } from './env-schema';
export { loadConfig, variableNames, ConfigError } from './load-config';
