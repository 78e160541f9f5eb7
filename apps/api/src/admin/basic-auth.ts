import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';

// Hashing first makes both sides the same length, so timingSafeEqual never throws and the time spent
// reveals neither the length nor a matching prefix of the expected value.
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/]+=*)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** HTTP basic auth for operator pages; the 401 carries a challenge so browsers prompt for credentials. */
export function requireBasicAuth(credentials: { user: string; password: string }, realm: string): RequestHandler {
  return (req, res, next) => {
    const given = parseBasic(req.get('authorization'));
    // Both comparisons always run, so a wrong user costs as much time as a wrong password.
    const userOk = sameSecret(given?.user ?? '', credentials.user);
    const passwordOk = sameSecret(given?.password ?? '', credentials.password);
    if (given && userOk && passwordOk) return next();
    res
      .status(401)
      .set('WWW-Authenticate', `Basic realm="${realm}", charset="UTF-8"`)
      .json({ error: { code: 'unauthorized', message: 'operator credentials required (HTTP basic auth)' } });
  };
}
