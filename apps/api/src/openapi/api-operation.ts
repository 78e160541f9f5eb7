import type { Response } from 'express';
import type { z } from 'zod';
import type { ErrorStatus } from './error-responses';

/** One success answer of an operation: its schema (none for a 204), its headers, an example. */
export interface SuccessResponse {
  description: string;
  schema?: z.ZodType;
  /** Defaults to application/json. */
  contentType?: string;
  headers?: z.ZodObject;
  example?: unknown;
}

export type SuccessResponses = Record<number, SuccessResponse>;

/** What a request carries, each part as the schema its route validates it with. */
export interface OperationRequest {
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: z.ZodObject;
  body?: z.ZodType;
  bodyExample?: unknown;
}

/**
 * One endpoint, as the OpenAPI document describes it, built from the zod schemas its route validates with.
 * The route file's sibling `*-operations.ts` defines them; `api-operations.ts` lists every group.
 */
export interface ApiOperation<R extends SuccessResponses = SuccessResponses, Q extends OperationRequest = OperationRequest> {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** The OpenAPI path, with `{param}` where Express writes `:param`. */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  /** Health probes and the document itself are public; everything under /v1 takes the Bearer key. */
  public?: boolean;
  request?: Q;
  responses: R;
  /** The error statuses particular to this operation; those every /v1 call can answer are added for it. */
  errors: readonly ErrorStatus[];
}

/** Keeps the literal types of an operation's request and responses, for its route to validate and answer with. */
export function defineOperation<const R extends SuccessResponses, const Q extends OperationRequest = Record<never, never>>(
  operation: Omit<ApiOperation<R, Q>, 'request'> & { request?: Q },
): ApiOperation<R, Q> & { request: Q } {
  return { ...operation, request: operation.request ?? ({} as Q) };
}

type BodyOf<T extends SuccessResponse> = T['schema'] extends z.ZodType ? [body: z.output<T['schema']>] : [];

/**
 * Answers with one of the operation's documented statuses and a body of its schema's type: an answer the
 * document does not describe fails the typecheck (headers are the caller's, set before).
 */
export function reply<R extends SuccessResponses, S extends keyof R & number>(
  res: Response,
  operation: ApiOperation<R, OperationRequest>,
  status: S,
  ...body: BodyOf<R[S]>
): void {
  void operation;
  res.status(status);
  if (body.length === 0) res.end();
  else res.json(body[0]);
}
