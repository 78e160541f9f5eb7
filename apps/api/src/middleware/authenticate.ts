import type { RequestHandler } from 'express';
import { UnauthorizedError, type Principal } from '@postdate/domain';
import { HttpError } from '../http-errors';
import type { FailedAuthLimiter } from './failed-auth-limit';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

function tooManyFailures(retryAfterSeconds: number): HttpError {
  return new HttpError(
    429,
    'rate_limited',
    `too many failed authentications from this address; try again in ${retryAfterSeconds} s`,
    { retryAfterSeconds },
    { 'Retry-After': String(retryAfterSeconds) },
  );
}

/**
 * Bearer API keys. The tenant found here scopes every query the request makes. Failed authentications are
 * counted per client address (req.ip: the peer, or what TRUST_PROXY lets X-Forwarded-For say); an address
 * past the limit is refused before its key is looked up, so a flood of made-up keys stops reaching Postgres.
 * A good key from that address is refused too: it cannot be told from a bad one without the lookup.
 */
export function authenticate(authenticateKey: (key: string) => Promise<Principal>, failures: FailedAuthLimiter): RequestHandler {
  return async (req, _res, next) => {
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const waitSeconds = failures.refusedForSeconds(address);
    if (waitSeconds > 0) throw tooManyFailures(waitSeconds);
    try {
      const header = req.get('authorization') ?? '';
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match) throw new UnauthorizedError('missing API key: send Authorization: Bearer <key>');
      req.principal = await authenticateKey(match[1]!);
    } catch (error) {
      if (error instanceof UnauthorizedError) {
        const refusedFor = await failures.recordFailure(address).catch((limiterError: unknown) => {
          req.log.warn({ err: (limiterError as Error).message }, 'failed-authentication limiter unavailable; not counted');
          return 0;
        });
        if (refusedFor > 0) throw tooManyFailures(refusedFor);
      }
      throw error;
    }
    req.log = req.log.child({ tenantId: req.principal.tenantId.toString(), keyPrefix: req.principal.keyPrefix });
    next();
  };
}

export function principalOf(req: { principal?: Principal }): Principal {
  if (!req.principal) throw new UnauthorizedError('not authenticated');
  return req.principal;
}
