import { z } from 'zod';
import { defineOperation } from '../openapi/api-operation';

export const readinessSchema = z
  .strictObject({
    ready: z.boolean(),
    checks: z.record(z.string(), z.enum(['ok', 'unavailable', 'draining'])).meta({ description: 'Which dependency failed, never how (that is logged).' }),
  })
  .meta({ id: 'Readiness' });

/** The probes and the scrape: no API key, never rate-limited. */
export const healthOperations = {
  liveness: defineOperation({
    method: 'get',
    path: '/healthz',
    operationId: 'liveness',
    tag: 'Operations',
    summary: 'Liveness: the process answers',
    public: true,
    responses: { 200: { description: 'Alive.', schema: z.strictObject({ status: z.literal('ok') }) } },
    errors: [],
  }),
  readiness: defineOperation({
    method: 'get',
    path: '/readyz',
    operationId: 'readiness',
    tag: 'Operations',
    summary: 'Readiness: Postgres and Redis answer, and the process is not draining',
    public: true,
    responses: {
      200: { description: 'Ready.', schema: readinessSchema },
      503: { description: 'Not ready: a dependency failed, or the process is shutting down.', schema: readinessSchema },
    },
    errors: [],
  }),
  metrics: defineOperation({
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    tag: 'Operations',
    summary: 'Prometheus metrics (here unless API_METRICS_PORT moves them to a port of their own)',
    public: true,
    responses: { 200: { description: 'The Prometheus text format.', contentType: 'text/plain', schema: z.string() } },
    errors: [],
  }),
};
