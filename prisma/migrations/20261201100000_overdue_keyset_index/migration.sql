-- The sweeper's overdue scan now pages through every overdue email in one pass, keyset on (due_at, id).
-- Over scheduled_email_due_idx (due_at alone) each page re-read every row sharing the last page's due_at
-- and sorted them by id: a campaign of 100 000 emails due at one instant made each page cost the whole
-- campaign. This index serves the same scans the old one did (due_at leads it), so it replaces it.
-- Built without CONCURRENTLY (migrations run in a transaction): on a large live table, build it
-- concurrently by hand first, under this name; IF NOT EXISTS then skips it here.
CREATE INDEX IF NOT EXISTS "scheduled_email_due_id_idx" ON "scheduled_email"("due_at", "id") WHERE "status" = 'scheduled';
-- A hand-built index whose CONCURRENTLY build failed is left invalid under this name, and IF NOT EXISTS
-- would accept it: refuse, so the operator drops it and builds it again.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
             WHERE c.relname = 'scheduled_email_due_id_idx' AND NOT i.indisvalid) THEN
    RAISE EXCEPTION 'index scheduled_email_due_id_idx is invalid (a failed concurrent build): DROP INDEX it and migrate again';
  END IF;
END $$;
DROP INDEX IF EXISTS "scheduled_email_due_idx";
