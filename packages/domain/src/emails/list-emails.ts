import type { Db, EmailStatus } from '@postdate/db';
import { ValidationFailedError } from '../errors';
import { toEmailView, type EmailView } from './email-view';
import { isRowId } from './find-email';

export interface ListEmailsQuery {
  status?: EmailStatus;
  limit: number;
  /** The id of the last email of the previous page; the next page holds older emails. */
  cursor?: string;
}

export interface EmailPage {
  data: EmailView[];
  nextCursor: string | null;
}

/** Newest first, keyset-paginated on id, so a page costs the same however deep the history. */
export async function listEmails(db: Db, tenantId: bigint, query: ListEmailsQuery): Promise<EmailPage> {
  if (query.cursor !== undefined && !isRowId(query.cursor)) {
    throw new ValidationFailedError('cursor is not valid');
  }
  const rows = await db.scheduledEmail.findMany({
    where: {
      tenantId,
      ...(query.status ? { status: query.status } : {}),
      ...(query.cursor ? { id: { lt: BigInt(query.cursor) } } : {}),
    },
    orderBy: { id: 'desc' },
    take: query.limit + 1,
    include: { recipients: { orderBy: { id: 'asc' } } },
  });
  const page = rows.slice(0, query.limit);
  return {
    data: page.map(toEmailView),
    nextCursor: rows.length > query.limit ? page[page.length - 1]!.id.toString() : null,
  };
}
