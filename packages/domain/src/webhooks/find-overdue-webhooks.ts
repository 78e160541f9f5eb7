import { Prisma, type Db } from '@postdate/db';
import { toWebhookTarget, type WebhookTarget } from './webhook-target';

/** Where a page of the overdue scan ended: the next page starts after this (due_at, id). */
export interface OverdueWebhookCursor {
  dueAt: Date;
  id: bigint;
}

export interface OverdueWebhookPage {
  targets: WebhookTarget[];
  /** Where the next page starts; null after a short page (the last). */
  next: OverdueWebhookCursor | null;
}

/**
 * One page of the queued deliveries that should have been claimed a while ago, in (due_at, id) order: due and
 * queued (the promoter's update) longer ago than the grace, so a delivery just promoted after an outage is not
 * checked while its fresh job waits. Their job is probably gone (Redis flushed, the enqueue after the
 * promoter's commit failed); re-adding it under its deterministic id is harmless if not.
 */
export async function findOverdueWebhooks(db: Db, graceMs: number, batchSize: number, after: OverdueWebhookCursor | null = null): Promise<OverdueWebhookPage> {
  const from = after ? Prisma.sql`AND (due_at, id) > (${after.dueAt}, ${after.id})` : Prisma.empty;
  // SKIP LOCKED: a row locked right now is being claimed by a worker, so its job is demonstrably alive.
  const rows = await db.$queryRaw<{ id: bigint; created_at: Date; attempts: number; due_at: Date }[]>`
    SELECT id, created_at, attempts, due_at FROM webhook_delivery
    WHERE status = 'pending' AND queued AND due_at < now() - make_interval(secs => ${graceMs / 1000})
      AND updated_at < now() - make_interval(secs => ${graceMs / 1000}) ${from}
    ORDER BY due_at, id LIMIT ${batchSize}
    FOR UPDATE SKIP LOCKED`;
  const last = rows.at(-1);
  // SKIP LOCKED fills the LIMIT past locked rows, so a short page is the last one.
  return { targets: rows.map(toWebhookTarget), next: last && rows.length === batchSize ? { dueAt: last.due_at, id: last.id } : null };
}
