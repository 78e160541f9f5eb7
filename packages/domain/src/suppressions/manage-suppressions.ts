import { z } from 'zod';
import { inTransaction, Prisma, type Db, type Suppression } from '@postdate/db';
import { NotFoundError, ValidationFailedError } from '../errors';
import { isRowId } from '../emails/find-email';
import { suppressionViewSchema, toSuppressionView, type SuppressionView } from './suppression-view';

export interface NewSuppression {
  address: string;
  reason: Suppression['reason'];
  /** Only for manual entries: after this, the address is sent to again. */
  expiresAt?: Date;
}

/**
 * Adds an address to the tenant's list (a bounce or complaint the client learned of elsewhere, or its own
 * choice), or updates its reason and expiry if it is there already. Answers the entry and whether it is new.
 */
export function addSuppression(db: Db, tenantId: bigint, entry: NewSuppression): Promise<{ suppression: SuppressionView; created: boolean }> {
  return inTransaction(db, async (tx) => {
    // Upsert on the case-insensitive unique index: concurrent adds of one address make one row.
    const [row] = await tx.$queryRaw<(Suppression & { created: boolean })[]>`
      INSERT INTO suppression (tenant_id, address, reason, source, expires_at)
      VALUES (${tenantId}, ${entry.address}, ${entry.reason}::suppression_reason, 'api', ${entry.expiresAt ?? null}::timestamptz)
      ON CONFLICT (tenant_id, lower(address)) DO UPDATE
      SET reason = EXCLUDED.reason, source = 'api', expires_at = EXCLUDED.expires_at
      RETURNING address, reason, source, created_at AS "createdAt", expires_at AS "expiresAt", (xmax = 0) AS created`;
    return { suppression: toSuppressionView(row!), created: row!.created };
  });
}

/** Takes an address off the tenant's list: it is sent to again from the next claim on. */
export function removeSuppression(db: Db, tenantId: bigint, address: string): Promise<void> {
  return inTransaction(db, async (tx) => {
    const removed = await tx.$executeRaw`DELETE FROM suppression WHERE tenant_id = ${tenantId} AND lower(address) = lower(${address})`;
    if (removed === 0) throw new NotFoundError(`${address.slice(0, 320)} is not on the suppression list`);
  });
}

export const suppressionPageSchema = z
  .strictObject({
    data: z.array(suppressionViewSchema),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next (older) page; null on the last.' }),
  })
  .meta({ id: 'SuppressionPage' });

export type SuppressionPage = z.output<typeof suppressionPageSchema>;

/** The tenant's list, newest first, keyset-paginated like emails and events. */
export async function listSuppressions(db: Db, tenantId: bigint, query: { limit: number; cursor?: string }): Promise<SuppressionPage> {
  if (query.cursor !== undefined && !isRowId(query.cursor)) throw new ValidationFailedError('cursor is not valid');
  const before = query.cursor ? Prisma.sql`AND id < ${BigInt(query.cursor)}` : Prisma.empty;
  const rows = await db.$queryRaw<(Suppression & { id: bigint })[]>`
    SELECT id, address, reason, source, created_at AS "createdAt", expires_at AS "expiresAt" FROM suppression
    WHERE tenant_id = ${tenantId} ${before} ORDER BY id DESC LIMIT ${query.limit + 1}`;
  const page = rows.slice(0, query.limit);
  return { data: page.map(toSuppressionView), nextCursor: rows.length > query.limit ? page[page.length - 1]!.id.toString() : null };
}
