import type { ErrorRequestHandler, RequestHandler } from 'express';
import { toHttpError, type ErrorBody } from '../http-errors';

/** Every error leaves as `{ error: { code, message, details? } }`; a stack trace never does. */
export const errorHandler: ErrorRequestHandler = (error, req, res, _next) => {
  const httpError = toHttpError(error);
  if (httpError.status >= 500) req.log?.error({ err: error }, 'request failed');
  const body: ErrorBody = { error: { code: httpError.code, message: httpError.message } };
  if (httpError.details !== undefined) body.error.details = httpError.details;
  res.status(httpError.status).set(httpError.headers).json(body);
};

export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json({ error: { code: 'not_found', message: `no route for ${req.method} ${req.baseUrl}${req.path}` } });
};
