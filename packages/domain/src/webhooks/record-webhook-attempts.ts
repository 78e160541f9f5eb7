import { inTransaction, type Db } from '@postdate/db';

/**
 * How an attempt ended, as its log row names it; a retried record compares it with its own to tell its
 * earlier commit (answer lost) from a claim taken away (`lease_expired`).
 */
export type WebhookAttemptOutcome = 'delivered' | 'retry_scheduled' | 'retries_exhausted';

export interface WebhookRecordRequest {
  deliveryId: bigint;
  attempt: number;
  outcome: WebhookAttemptOutcome;
  /** For `retry_scheduled`: seconds until the next attempt is due. */
  retryDelaySeconds: number | null;
  statusCode: number | null;
  /** The first 1 KiB of the receiver's answer. */
  responseBody: string | null;
  error: string | null;
  durationMs: number;
}

export interface WebhookRecordResult {
  /** The fence held (or this very record committed earlier); false: the claim was taken back meanwhile. */
  fenced: boolean;
  /** Set when this failure disabled the endpoint: why. */
  endpointDisabled: string | null;
}

export interface WebhookRecordSettings {
  /** An endpoint failing this long without a success is disabled by the failure that finds it so. */
  disableAfterHours: number;
}

/**
 * Step 3 of a webhook: record what the receiver said, fenced on status and attempt number like every write
 * of an email's send, for a batch of deliveries in one statement. A 2xx delivers; a retry goes back to
 * pending, unqueued, due after its wait (the promoter gives it a job then); an exhausted schedule fails it.
 * The endpoint's health follows: a success clears `failing_since`; a failure starts it, or disables the
 * endpoint once it is older than the disable period. Answers in request order; each delivery at most once.
 */
export function recordWebhookAttempts(db: Db, settings: WebhookRecordSettings, requests: WebhookRecordRequest[]): Promise<WebhookRecordResult[]> {
  const disableAfterSeconds = Math.round(settings.disableAfterHours * 3600);
  return inTransaction(db, async (tx) => {
    const rows = await tx.$queryRaw<{ id: bigint; fenced: boolean; already_done: boolean; disabled_reason: string | null }[]>`
      WITH request AS (
        SELECT * FROM unnest(${requests.map((r) => r.deliveryId)}::bigint[], ${requests.map((r) => r.attempt)}::int[],
                             ${requests.map((r) => r.outcome)}::text[], ${requests.map((r) => r.retryDelaySeconds ?? 0)}::int[],
                             ${requests.map((r) => r.statusCode)}::int[], ${requests.map((r) => r.responseBody?.slice(0, 1024) ?? null)}::text[],
                             ${requests.map((r) => r.error?.slice(0, 1000) ?? null)}::text[], ${requests.map((r) => Math.round(r.durationMs))}::int[])
          AS r(id, attempt, outcome, delay_seconds, status_code, response_body, error, duration_ms)
      ), locked AS (
        -- Fence: only the holder of the current attempt records it. Delivery rows first, in id order (the
        -- claim's order), their endpoints after: one lock order, so batches wait for each other, never deadlock.
        SELECT d.id FROM webhook_delivery d JOIN request r ON r.id = d.id
        WHERE d.status = 'delivering' AND d.attempts = r.attempt
        ORDER BY d.id
        FOR UPDATE OF d
      ), recorded AS (
        UPDATE webhook_delivery d
        SET status = CASE r.outcome WHEN 'delivered' THEN 'delivered' WHEN 'retry_scheduled' THEN 'pending' ELSE 'failed' END::webhook_delivery_status,
            due_at = CASE WHEN r.outcome = 'retry_scheduled' THEN now() + make_interval(secs => r.delay_seconds) ELSE d.due_at END,
            delivered_at = CASE WHEN r.outcome = 'delivered' THEN now() END,
            queued = false, lease_until = NULL, last_status_code = r.status_code, last_error = r.error, updated_at = now()
        FROM locked l JOIN request r ON r.id = l.id
        WHERE d.id = l.id
        RETURNING d.id, d.endpoint_id, r.outcome, coalesce(r.error, 'HTTP ' || r.status_code) AS failure
      ), logged AS (
        -- The attempt's log row, also when the fence failed (its late answer is worth keeping), unless the
        -- lease recovery already closed it.
        UPDATE webhook_attempt a
        SET finished_at = now(), duration_ms = r.duration_ms, status_code = r.status_code, response_body = r.response_body, error = r.error,
            outcome = CASE WHEN a.delivery_id IN (SELECT id FROM recorded) THEN r.outcome ELSE r.outcome || '_after_lease_lost' END
        FROM request r
        WHERE a.delivery_id = r.id AND a.attempt = r.attempt AND a.finished_at IS NULL
      ), per_endpoint AS (
        SELECT endpoint_id, bool_or(outcome = 'delivered') AS succeeded, min(failure) FILTER (WHERE outcome <> 'delivered') AS failure
        FROM recorded GROUP BY endpoint_id
      ), endpoint_locked AS (
        -- Only endpoints whose row must change: a success clears a failure streak (and refreshes
        -- last_success_at at most once a second, so a busy endpoint's row is not written by every POST); a
        -- failure starts a streak, or finds it older than the disable period.
        SELECT w.id FROM webhook_endpoint w JOIN per_endpoint p ON p.endpoint_id = w.id
        WHERE (p.succeeded AND (w.failing_since IS NOT NULL OR w.last_success_at IS NULL OR w.last_success_at < now() - interval '1 second'))
           OR (NOT p.succeeded AND w.enabled
               AND (w.failing_since IS NULL OR w.failing_since <= now() - make_interval(secs => ${disableAfterSeconds})))
        ORDER BY w.id
        FOR NO KEY UPDATE OF w
      ), endpoint_changed AS (
        UPDATE webhook_endpoint w
        SET last_success_at = CASE WHEN p.succeeded THEN now() ELSE w.last_success_at END,
            failing_since = CASE WHEN p.succeeded THEN NULL ELSE coalesce(w.failing_since, now()) END,
            enabled = CASE WHEN p.succeeded THEN w.enabled ELSE w.failing_since IS NULL END,
            disabled_at = CASE WHEN p.succeeded OR w.failing_since IS NULL THEN w.disabled_at ELSE now() END,
            disabled_reason = CASE WHEN p.succeeded OR w.failing_since IS NULL THEN w.disabled_reason
              ELSE left(format('no successful delivery since %s (failing longer than %s h); last failure: %s',
                               to_char(w.failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                               ${settings.disableAfterHours}::text, p.failure), 1000) END,
            updated_at = now()
        FROM endpoint_locked l JOIN per_endpoint p ON p.endpoint_id = l.id
        WHERE w.id = l.id
        RETURNING w.id, w.enabled, w.disabled_reason
      )
      SELECT r.id, rc.id IS NOT NULL AS fenced,
             CASE WHEN NOT ec.enabled THEN ec.disabled_reason END AS disabled_reason,
             -- A retry after a lost connection may find its own earlier commit: success, not a lost claim.
             EXISTS (SELECT 1 FROM webhook_attempt a WHERE a.delivery_id = r.id AND a.attempt = r.attempt
                       AND a.finished_at IS NOT NULL AND a.outcome = r.outcome) AS already_done
      FROM request r LEFT JOIN recorded rc ON rc.id = r.id LEFT JOIN endpoint_changed ec ON ec.id = rc.endpoint_id`;
    const byId = new Map(rows.map((row) => [row.id, row]));
    return requests.map((request) => {
      const row = byId.get(request.deliveryId);
      return { fenced: Boolean(row?.fenced || row?.already_done), endpointDisabled: row?.disabled_reason ?? null };
    });
  });
}
