import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import type { ApiOperation } from './api-operation';
import { apiOperations } from './api-operations';
import type { DocumentedConfig } from './documented-config';
import { errorResponseComponents, errorResponseRef, EVERY_V1_CALL_ERRORS, JSON_BODY_ERRORS, type ErrorStatus } from './error-responses';

const DESCRIPTION = `Race-safe scheduled email delivery. Schedule an email for later; at its time exactly one worker sends it.

Bodies are JSON, camelCase; unknown fields are rejected. Ids are strings. Every 4xx and 5xx answer is
\`{"error": {"code", "message", "details"?}}\`. Lists are newest first and keyset-paginated: pass a page's
\`nextCursor\` as \`cursor\` for the next one.`;

/** The OpenAPI 3.1 document, generated from the zod schemas the routes validate and answer with. */
export function buildApiDocument(config: DocumentedConfig) {
  const operations = apiOperations(config);
  const paths: ZodOpenApiPathsObject = {};
  for (const operation of operations) {
    paths[operation.path] = { ...paths[operation.path], [operation.method]: toOpenApiOperation(operation) };
  }
  return createDocument({
    openapi: '3.1.0',
    info: { title: 'postdate API', version: '1.0.0', description: DESCRIPTION },
    security: [{ apiKey: [] }],
    tags: [...new Set(operations.map((o) => o.tag))].map((name) => ({ name })),
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key (`npm run cli -- keys create <tenant>`), as `Authorization: Bearer <key>`.' },
      },
      responses: errorResponseComponents(),
    },
    paths,
  });
}

export type ApiDocument = ReturnType<typeof buildApiDocument>;

function toOpenApiOperation(operation: ApiOperation): ZodOpenApiOperationObject {
  const { request } = operation;
  const errors = new Set<ErrorStatus>([
    ...operation.errors,
    ...(request?.body ? JSON_BODY_ERRORS : []),
    ...(operation.public ? [] : EVERY_V1_CALL_ERRORS),
  ]);
  const success = Object.entries(operation.responses).map(([status, response]) => [
    status,
    {
      description: response.description,
      ...(response.headers ? { headers: response.headers } : {}),
      ...(response.schema
        ? { content: { [response.contentType ?? 'application/json']: { schema: response.schema, ...(response.example !== undefined ? { example: response.example } : {}) } } }
        : {}),
    },
  ]);
  return {
    operationId: operation.operationId,
    tags: [operation.tag],
    summary: operation.summary,
    ...(operation.description ? { description: operation.description } : {}),
    ...(operation.public ? { security: [] } : {}),
    requestParams: {
      ...(request?.params ? { path: request.params } : {}),
      ...(request?.query ? { query: request.query } : {}),
      ...(request?.headers ? { header: request.headers } : {}),
    },
    ...(request?.body
      ? {
          requestBody: {
            // Optional when the schema takes no body (a default): POST /v1/events/{id}/redeliver with none.
            required: !request.body.safeParse(undefined).success,
            content: { 'application/json': { schema: request.body, ...(request.bodyExample !== undefined ? { example: request.bodyExample } : {}) } },
          },
        }
      : {}),
    responses: Object.fromEntries([...success, ...[...errors].sort().map((status) => [String(status), errorResponseRef(status)])]),
  };
}
