-- Retention (RETENTION_DAYS): the sweeper deletes finished emails in batches, oldest finish first, and
-- updated_at is when a finished row finished. Without this index each pass would scan the whole table to
-- find none (at steady state nothing is old enough most passes); with it a pass reads the index's first
-- entries and stops. Live rows are not in it, as the sweeper's other indexes hold only live rows.
-- Built without CONCURRENTLY (migrations run in a transaction): on a large live table, build it
-- concurrently by hand first, under this name; IF NOT EXISTS then skips it here.
CREATE INDEX IF NOT EXISTS "scheduled_email_finished_idx" ON "scheduled_email"("updated_at") WHERE "status" IN ('sent', 'failed', 'canceled');
-- A hand-built index whose CONCURRENTLY build failed is left invalid under this name, and IF NOT EXISTS
-- would accept it: refuse, so the operator drops it and builds it again.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
             WHERE c.relname = 'scheduled_email_finished_idx' AND NOT i.indisvalid) THEN
    RAISE EXCEPTION 'index scheduled_email_finished_idx is invalid (a failed concurrent build): DROP INDEX it and migrate again';
  END IF;
END $$;
