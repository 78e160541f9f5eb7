import { inTransaction, type Db } from '@postdate/db';
import { toEventView, type EventRow, type EventView } from '../events/event-view';

export interface WebhookClaimSettings {
  workerId: string;
  leaseSeconds: number;
}

/** A job's say of which delivery to send: what its id was made of. */
export interface WebhookClaimRequest {
  deliveryId: bigint;
  createdAt: Date;
  attempts: number;
}

export interface ClaimedWebhook {
  deliveryId: bigint;
  /** This attempt's number: the fence every later write of this POST must match. */
  attempt: number;
  endpointId: bigint;
  url: string;
  /** whsec_… secrets to sign with: the current one, and the previous one while its grace period runs. */
  secrets: string[];
  event: EventView;
}

export type WebhookClaimResult =
  | { kind: 'claimed'; webhook: ClaimedWebhook }
  /** The endpoint was disabled meanwhile: the delivery ended as failed without a POST. */
  | { kind: 'endpoint_disabled' }
  | { kind: 'skipped'; reason: 'missing' | 'stale_job' | 'not_pending' | 'not_due' };

interface ClaimedRow extends Omit<EventRow, 'id'> {
  delivery_id: bigint;
  attempts: number;
  endpoint_id: bigint;
  enabled: boolean;
  url: string | null;
  secret: string | null;
  previous_secret: string | null;
}

/**
 * Step 1 of a webhook: decide whether these jobs may POST their deliveries now and, if so, take them. A
 * duplicate job, a job of an earlier attempt or of a delivery issued the same id before a restore, and a
 * delivery whose endpoint was disabled all end here without a POST. One statement for the whole batch;
 * answers in request order. Each delivery id must appear at most once.
 */
export function claimWebhooks(db: Db, settings: WebhookClaimSettings, requests: WebhookClaimRequest[]): Promise<WebhookClaimResult[]> {
  return inTransaction(db, async (tx) => {
    // Locks the delivery rows in id order (the one order every batch of every worker takes them in) if they
    // are still pending at the job's attempt count and due; a row another claim or a record holds is waited
    // for and re-checked as that transaction left it. The endpoint is read, not locked: a disable that
    // commits a moment later lets one more POST through, as it would a moment after the claim.
    // pending → delivering with the next attempt number and a lease; the attempt is logged; a delivery whose
    // endpoint is disabled ends as failed instead. A deleted endpoint took its deliveries with it: missing.
    const rows = await tx.$queryRaw<ClaimedRow[]>`
      WITH request AS (
        SELECT * FROM unnest(${requests.map((r) => r.deliveryId)}::bigint[], ${requests.map((r) => r.createdAt)}::timestamptz[],
                             ${requests.map((r) => r.attempts)}::int[]) AS r(id, created_at, attempts)
      ), locked AS (
        SELECT d.id, w.enabled, w.disabled_reason FROM webhook_delivery d
        JOIN request r ON r.id = d.id
        JOIN webhook_endpoint w ON w.id = d.endpoint_id AND w.tenant_id = d.tenant_id
        WHERE d.status = 'pending' AND d.attempts = r.attempts AND d.created_at = r.created_at AND d.due_at <= now()
        ORDER BY d.id
        FOR UPDATE OF d
      ), claimed AS (
        UPDATE webhook_delivery d
        SET status = 'delivering', attempts = d.attempts + 1, updated_at = now(),
            lease_until = now() + make_interval(secs => ${settings.leaseSeconds})
        FROM locked l WHERE d.id = l.id AND l.enabled
        RETURNING d.id, d.tenant_id, d.event_id, d.endpoint_id, d.attempts
      ), ended AS (
        UPDATE webhook_delivery d
        SET status = 'failed', queued = false, updated_at = now(),
            last_error = left('endpoint disabled: ' || coalesce(l.disabled_reason, 'no reason given'), 1000)
        FROM locked l WHERE d.id = l.id AND NOT l.enabled
        RETURNING d.id
      ), logged AS (
        INSERT INTO webhook_attempt (tenant_id, delivery_id, endpoint_id, attempt, worker_id)
        SELECT tenant_id, id, endpoint_id, attempts, ${settings.workerId} FROM claimed
      )
      SELECT l.id AS delivery_id, l.enabled, c.attempts, c.endpoint_id, w.url, w.secret,
             CASE WHEN w.previous_secret_expires_at > now() THEN w.previous_secret END AS previous_secret,
             e.public_id::text AS public_id, e.email_id, e.email_version, e.sequence, e.type, e.data, e.created_at
      FROM locked l
      LEFT JOIN claimed c ON c.id = l.id
      LEFT JOIN webhook_endpoint w ON w.id = c.endpoint_id
      LEFT JOIN event e ON e.id = c.event_id`;
    const byId = new Map(rows.map((row) => [row.delivery_id, row]));
    const unexplained = requests.filter((r) => !byId.has(r.deliveryId));
    const reasons = unexplained.length > 0 ? await whyNotClaimed(tx, unexplained) : new Map<bigint, SkipReason>();

    return requests.map((request): WebhookClaimResult => {
      const row = byId.get(request.deliveryId);
      if (!row) return { kind: 'skipped', reason: reasons.get(request.deliveryId) ?? 'missing' };
      if (!row.enabled) return { kind: 'endpoint_disabled' };
      const { delivery_id, attempts, endpoint_id, url, secret, previous_secret, ...event } = row;
      return {
        kind: 'claimed',
        webhook: {
          deliveryId: delivery_id,
          attempt: attempts,
          endpointId: endpoint_id,
          url: url!,
          secrets: previous_secret ? [secret!, previous_secret] : [secret!],
          event: toEventView({ ...event, id: 0n }),
        },
      };
    });
  });
}

type SkipReason = 'missing' | 'stale_job' | 'not_pending' | 'not_due';

/** The rare path: what the jobs that claimed nothing ran into, for logs and metrics. One read, no lock. */
async function whyNotClaimed(tx: Db, requests: WebhookClaimRequest[]): Promise<Map<bigint, SkipReason>> {
  const rows = await tx.$queryRaw<{ id: bigint; created_at: Date; attempts: number; status: string; due: boolean }[]>`
    SELECT id, created_at, attempts, status::text AS status, due_at <= now() AS due FROM webhook_delivery
    WHERE id = ANY(${requests.map((r) => r.deliveryId)}::bigint[])`;
  const byId = new Map(rows.map((row) => [row.id, row]));
  return new Map(
    requests.map((request): [bigint, SkipReason] => {
      const row = byId.get(request.deliveryId);
      if (!row) return [request.deliveryId, 'missing'];
      if (row.created_at.getTime() !== request.createdAt.getTime() || row.attempts !== request.attempts) return [request.deliveryId, 'stale_job'];
      if (row.status !== 'pending') return [request.deliveryId, 'not_pending'];
      return [request.deliveryId, row.due ? 'stale_job' : 'not_due'];
    }),
  );
}
