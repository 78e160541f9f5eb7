import { z } from 'zod';
import { apiEnvSchema, type ApiEnv } from '@postdate/config';

const { MAX_RECIPIENTS, MAX_SCHEDULE_DAYS, MAX_BATCH_SIZE } = apiEnvSchema.shape;
const documentedSchema = z.object({ MAX_RECIPIENTS, MAX_SCHEDULE_DAYS, MAX_BATCH_SIZE });

/** The settings the request schemas depend on: the served document states this deployment's limits. */
export type DocumentedConfig = Pick<ApiEnv, keyof z.output<typeof documentedSchema>>;

/** The defaults: the committed openapi.json describes an API configured with none of them set. */
export function defaultDocumentedConfig(): DocumentedConfig {
  return documentedSchema.parse({});
}
