import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { readSecret, writeSecret } from './secret-file';

/** Who may open Bull Board at /admin/queues, and whether they may change jobs there. */
export interface AdminCredentials {
  user: string;
  password: string;
  /** The password came from ADMIN_PASSWORD: the user knows it, and the banner does not repeat it. */
  passwordFromEnvironment: boolean;
  readOnly: boolean;
}

/**
 * The dashboard's credentials for the stack: ADMIN_USER / ADMIN_PASSWORD when exported, else `admin` and a
 * random password generated once and kept in .local/admin-password (0600), so a bookmarked login keeps
 * working across runs. Read-only unless `--admin-writable` or ADMIN_READ_ONLY=false.
 */
export function adminCredentials(localDir: string, env: NodeJS.ProcessEnv, options: { writable: boolean }): AdminCredentials {
  const file = path.join(localDir, 'admin-password');
  let password = env.ADMIN_PASSWORD || readSecret(file);
  if (!password) {
    password = randomBytes(18).toString('base64url');
    writeSecret(file, password);
  }
  const writable = options.writable || ['false', '0', 'no'].includes(env.ADMIN_READ_ONLY ?? '');
  return { user: env.ADMIN_USER || 'admin', password, passwordFromEnvironment: Boolean(env.ADMIN_PASSWORD), readOnly: !writable };
}
