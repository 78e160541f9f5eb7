import { Prisma, type Db } from '@postdate/db';
import { NotFoundError } from '../errors';
import type { EmailWithRecipients } from './email-view';
import { readEmails } from './read-emails';

/** Parses a client-supplied id; anything that is not one of ours is simply not found. */
const MAX_BIGINT = 9223372036854775807n;

/** True for a decimal id that fits Postgres' bigint; anything else cannot name a row. */
export function isRowId(raw: string): boolean {
  return /^[1-9][0-9]{0,18}$/.test(raw) && BigInt(raw) <= MAX_BIGINT;
}

export function parseEmailId(raw: string): bigint {
  if (!isRowId(raw)) throw new NotFoundError(`email ${raw.slice(0, 40)} not found`);
  return BigInt(raw);
}

/** Loads one email of this tenant with its recipients; another tenant's id is indistinguishable from none. */
export async function findEmail(db: Db, tenantId: bigint, id: bigint): Promise<EmailWithRecipients> {
  const [email] = await readEmails(db, tenantId, Prisma.sql`e.id = ${id}`);
  if (!email) throw new NotFoundError(`email ${id} not found`);
  return email;
}
