import type { Db } from '@postdate/db';
import { ValidationFailedError } from '../errors';
import { lockRecipients } from './lock-email';
import { addressKey, type ParsedAddress } from './parse-address';
import { recipientList, type RecipientKind } from './recipient-list';

export type RecipientLists = Partial<Record<RecipientKind, ParsedAddress[]>>;

/**
 * Applies new recipient lists as a diff — removes what is gone, adds or updates what is new — never
 * clear-and-repopulate, so a concurrent reader never sees an email without recipients and rows keep their
 * ids and results. Kinds not given keep their current addresses. Caller holds the email row lock.
 * Refuses (ValidationFailedError) a result of more than `maxRecipients` addresses.
 */
export async function replaceRecipients(tx: Db, emailId: bigint, lists: RecipientLists, maxRecipients: number): Promise<{ added: number }> {
  const current = (await lockRecipients(tx, emailId)).filter((r) => r.status !== 'removed');
  const currentOf = (kind: RecipientKind): ParsedAddress[] =>
    current.filter((r) => r.kind === kind).map((r) => ({ address: r.address, name: r.name }));
  const desired = recipientList({
    to: lists.to ?? currentOf('to'),
    cc: lists.cc ?? currentOf('cc'),
    bcc: lists.bcc ?? currentOf('bcc'),
  });
  if (desired.length === 0) throw new ValidationFailedError('an email needs at least one recipient');
  // The limit holds for the email as the edit leaves it: lists not given keep their addresses, so three
  // edits of 100 each to to, cc and bcc must not add up to 300.
  if (desired.length > maxRecipients) {
    throw new ValidationFailedError(`an email may have at most ${maxRecipients} recipients in all; this edit would leave it ${desired.length}`, {
      issues: [{ path: 'to', message: `at most ${maxRecipients} recipients in all (to, cc and bcc together would be ${desired.length})` }],
    });
  }

  // Rows are matched on the address's key (case-insensitive); a new spelling of the same address replaces
  // the stored one in place.
  const key = (r: { address: string }) => addressKey(r.address);
  const wanted = new Map(desired.map((r) => [key(r), r]));
  const removed = current.filter((r) => !wanted.has(key(r))).map((r) => r.id);
  const unchanged = new Set(current.filter((r) => {
    const want = wanted.get(key(r));
    return want && want.address === r.address && want.kind === r.kind && want.name === r.name;
  }).map(key));
  const upserts = desired.filter((r) => !unchanged.has(key(r)));
  const present = new Set(current.map(key));
  const added = desired.filter((r) => !present.has(key(r))).length;

  if (removed.length > 0) {
    // Rows locked above (lockRecipients), in id order.
    await tx.$executeRaw`
      UPDATE recipient SET status = 'removed', updated_at = now() WHERE id = ANY(${removed}::bigint[])`;
  }
  if (upserts.length > 0) {
    // New addresses are inserted; existing rows (a kind, name or spelling change, or one removed earlier and
    // now back) are updated in place. Unique (email_id, lower(address)) keeps one row per address whatever
    // the race.
    await tx.$executeRaw`
      INSERT INTO recipient (email_id, address, name, kind)
      SELECT ${emailId}, a, n, k::recipient_kind
      FROM unnest(${upserts.map((r) => r.address)}::text[], ${upserts.map((r) => r.name)}::text[],
                  ${upserts.map((r) => r.kind)}::text[]) AS v(a, n, k)
      ON CONFLICT (email_id, lower(address)) DO UPDATE
      SET address = EXCLUDED.address, kind = EXCLUDED.kind, name = EXCLUDED.name, status = 'pending', smtp_response = NULL, refusal = NULL, updated_at = now()`;
  }
  return { added };
}
