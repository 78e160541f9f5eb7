/**
 * What a webhook job carries: which delivery, at which attempt count. The delivery's creation time tells
 * its jobs from those of a delivery issued the same id before a database restore.
 */
export interface WebhookTarget {
  deliveryId: string;
  createdAt: Date;
  attempts: number;
}

/** Adds webhook jobs to whatever queue the app runs; the domain never talks to Redis itself. */
export type EnqueueWebhooks = (targets: WebhookTarget[]) => Promise<void>;

/** The columns every query that hands out jobs returns, so each maps to a job the same way. */
export interface WebhookTargetRow {
  id: bigint;
  created_at: Date;
  attempts: number;
}

export function toWebhookTarget(row: WebhookTargetRow): WebhookTarget {
  return { deliveryId: row.id.toString(), createdAt: row.created_at, attempts: row.attempts };
}
