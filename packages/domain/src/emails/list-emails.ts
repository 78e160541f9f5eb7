import { z } from 'zod';
import { Prisma, type Db, type EmailStatus } from '@postdate/db';
import { ValidationFailedError } from '../errors';
import { emailViewSchema, toEmailView } from './email-view';
import { isRowId } from './find-email';
import { readEmails } from './read-emails';

export interface ListEmailsQuery {
  status?: EmailStatus;
  limit: number;
  /** The id of the last email of the previous page; the next page holds older emails. */
  cursor?: string;
}

export const emailPageSchema = z
  .strictObject({
    data: z.array(emailViewSchema),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next (older) page; null on the last.' }),
  })
  .meta({ id: 'EmailPage' });

export type EmailPage = z.output<typeof emailPageSchema>;

/** Newest first, keyset-paginated on id, so a page costs the same however deep the history. */
export async function listEmails(db: Db, tenantId: bigint, query: ListEmailsQuery): Promise<EmailPage> {
  if (query.cursor !== undefined && !isRowId(query.cursor)) {
    throw new ValidationFailedError('cursor is not valid');
  }
  const status = query.status ? Prisma.sql`e.status = ${query.status}::email_status` : Prisma.sql`TRUE`;
  const before = query.cursor ? Prisma.sql`e.id < ${BigInt(query.cursor)}` : Prisma.sql`TRUE`;
  // Walks the (tenant_id, id DESC) index from the cursor: one more row than the page tells if another follows.
  const rows = await readEmails(db, tenantId, Prisma.sql`${status} AND ${before}`, Prisma.sql`ORDER BY e.id DESC LIMIT ${query.limit + 1}`);
  const page = rows.slice(0, query.limit);
  return {
    data: page.map((email) => toEmailView(email)),
    nextCursor: rows.length > query.limit ? page[page.length - 1]!.id.toString() : null,
  };
}
