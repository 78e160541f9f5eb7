import type { RequestHandler } from 'express';
import { UnauthorizedError, type Principal } from '@postdate/domain';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** Bearer API keys. The tenant found here scopes every query the request makes. */
export function authenticate(authenticateKey: (key: string) => Promise<Principal>): RequestHandler {
  return async (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new UnauthorizedError('missing API key: send Authorization: Bearer <key>');
    req.principal = await authenticateKey(match[1]!);
    req.log = req.log.child({ tenantId: req.principal.tenantId.toString(), keyPrefix: req.principal.keyPrefix });
    next();
  };
}

export function principalOf(req: { principal?: Principal }): Principal {
  if (!req.principal) throw new UnauthorizedError('not authenticated');
  return req.principal;
}
