-- Addresses are now stored (and sent) with the local part as the client wrote it: RFC 5321 lets a server
-- treat local parts case-sensitively, and lower-casing them could misdeliver on the few that do. One row
-- per address per email is judged case-insensitively, by this index; rows written before are all
-- lower-case already, so it cannot find a duplicate among them.
-- The old case-sensitive index (email_id, address) stays until no running code names it: during a rolling
-- deploy, old pods' `ON CONFLICT (email_id, address)` still needs it, and it can never refuse a row the
-- new index accepts. A later migration drops it.
-- Built without CONCURRENTLY (migrations run in a transaction): on a large live table, build it
-- concurrently by hand first, under this name; IF NOT EXISTS then skips it here.
CREATE UNIQUE INDEX IF NOT EXISTS "recipient_email_id_lower_address_key" ON "recipient" ("email_id", lower("address"));
-- A hand-built index whose CONCURRENTLY build failed is left invalid under this name, and IF NOT EXISTS
-- would accept it: refuse, so the operator drops it and builds it again.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
             WHERE c.relname = 'recipient_email_id_lower_address_key' AND NOT i.indisvalid) THEN
    RAISE EXCEPTION 'index recipient_email_id_lower_address_key is invalid (a failed concurrent build): DROP INDEX it and migrate again';
  END IF;
END $$;
