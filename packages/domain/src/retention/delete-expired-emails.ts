import { inTransaction, type Db } from '@postdate/db';

/**
 * Deletes one batch of finished emails (sent, failed, canceled) whose last change, the one that finished
 * them, is more than `retentionDays` old: the only statement that removes emails, so every table that
 * references scheduled_email is answered for here. Recipients, delivery attempts and events go with their
 * email (ON DELETE CASCADE, each found through an index on its email_id); an email with a webhook delivery
 * still pending or in flight stays until the dispatcher is done with it. Says how many emails went.
 *
 * updated_at is the finish time: nothing writes a finished row except an edit that re-arms it, which makes
 * it live again. Live rows (scheduled, sending) never match, however old.
 */
export function deleteExpiredEmails(db: Db, retentionDays: number, batchSize: number): Promise<number> {
  return inTransaction(db, (tx) =>
    // SKIP LOCKED: a finished row an edit holds (to re-arm it) is left to it; FOR UPDATE re-checks rows changed since.
    tx.$executeRaw`
      DELETE FROM scheduled_email e
      USING (
        SELECT id FROM scheduled_email s
        WHERE status IN ('sent', 'failed', 'canceled') AND updated_at < now() - make_interval(days => ${retentionDays}::int)
          AND NOT EXISTS (
            SELECT 1 FROM event ev JOIN webhook_delivery wd ON wd.event_id = ev.id
            WHERE ev.email_id = s.id AND wd.status IN ('pending', 'delivering'))
        ORDER BY updated_at LIMIT ${batchSize}
        FOR UPDATE SKIP LOCKED
      ) expired
      WHERE e.id = expired.id`,
  );
}
