import { isInTransaction, type Db } from '@postdate/db';
import { NotFoundError } from '../errors';

export interface LockedEmail {
  id: bigint;
  status: 'scheduled' | 'sending' | 'sent' | 'failed' | 'canceled';
  version: number;
  attempts: number;
  due_at: Date;
  from_address: string;
  has_text: boolean;
  has_html: boolean;
}

/**
 * The first step of every change to an email: lock its row (scoped to the tenant, so another tenant's
 * id is simply not found). Lock order everywhere: this row first, then its recipients by id.
 */
export async function lockEmail(tx: Db, tenantId: bigint, id: bigint): Promise<LockedEmail> {
  if (!isInTransaction(tx)) throw new Error('lockEmail needs an open transaction: outside one its lock would end with the statement');
  // Row lock: serialises this change against delivery claims, cancels and other edits of the same email.
  const rows = await tx.$queryRaw<LockedEmail[]>`
    SELECT id, status::text AS status, version, attempts, due_at, from_address,
           text_body IS NOT NULL AS has_text, html_body IS NOT NULL AS has_html
    FROM scheduled_email
    WHERE id = ${id} AND tenant_id = ${tenantId} FOR UPDATE`;
  const row = rows[0];
  if (!row) throw new NotFoundError(`email ${id} not found`);
  return row;
}

/** Recipients of a locked email, locked in id order (the second half of the one lock order). */
export async function lockRecipients(tx: Db, emailId: bigint): Promise<{ id: bigint; address: string; kind: string; status: string; name: string | null }[]> {
  // Recipient locks, always taken after the email row's and in id order, so two paths never deadlock.
  return tx.$queryRaw`
    SELECT id, address, kind::text AS kind, status::text AS status, name FROM recipient
    WHERE email_id = ${emailId} ORDER BY id FOR UPDATE`;
}
