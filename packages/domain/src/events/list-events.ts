import { z } from 'zod';
import { Prisma, type Db } from '@postdate/db';
import { NotFoundError, ValidationFailedError } from '../errors';
import { isRowId } from '../emails/find-email';
import type { EventType } from './event-types';
import { eventViewSchema, parseEventId, toEventView, type EventRow, type EventView } from './event-view';

export interface ListEventsQuery {
  emailId?: string;
  type?: EventType;
  limit: number;
  /** The cursor the previous page gave; the next page holds older events. */
  cursor?: string;
}

export const eventPageSchema = z
  .strictObject({
    data: z.array(eventViewSchema),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next (older) page; null on the last.' }),
  })
  .meta({ id: 'EventPage' });

export type EventPage = z.output<typeof eventPageSchema>;

const EVENT_COLUMNS = Prisma.sql`id, public_id::text AS public_id, email_id, email_version, sequence, type, data, created_at`;

/**
 * A tenant's events, newest first, keyset-paginated on the event's row id (the cursor), so a page costs the
 * same however long the history; by email and by type when asked. Another tenant's email simply has no
 * events here.
 */
export async function listEvents(db: Db, tenantId: bigint, query: ListEventsQuery): Promise<EventPage> {
  if (query.cursor !== undefined && !isRowId(query.cursor)) throw new ValidationFailedError('cursor is not valid');
  if (query.emailId !== undefined && !isRowId(query.emailId)) return { data: [], nextCursor: null };
  const email = query.emailId ? Prisma.sql`AND email_id = ${BigInt(query.emailId)}` : Prisma.empty;
  const type = query.type ? Prisma.sql`AND type = ${query.type}` : Prisma.empty;
  const before = query.cursor ? Prisma.sql`AND id < ${BigInt(query.cursor)}` : Prisma.empty;
  const rows = await db.$queryRaw<EventRow[]>`
    SELECT ${EVENT_COLUMNS} FROM event
    WHERE tenant_id = ${tenantId} ${email} ${type} ${before}
    ORDER BY id DESC LIMIT ${query.limit + 1}`;
  const page = rows.slice(0, query.limit);
  return { data: page.map(toEventView), nextCursor: rows.length > query.limit ? page[page.length - 1]!.id.toString() : null };
}

/** One event of this tenant's by its evt_ id; another tenant's is indistinguishable from none. */
export async function findEvent(db: Db, tenantId: bigint, publicId: string): Promise<EventView & { rowId: bigint }> {
  const uuid = parseEventId(publicId);
  if (!uuid) throw new NotFoundError(`event ${publicId.slice(0, 40)} not found`);
  const [row] = await db.$queryRaw<EventRow[]>`
    SELECT ${EVENT_COLUMNS} FROM event WHERE tenant_id = ${tenantId} AND public_id = ${uuid}::uuid`;
  if (!row) throw new NotFoundError(`event ${publicId} not found`);
  return { ...toEventView(row), rowId: row.id };
}
