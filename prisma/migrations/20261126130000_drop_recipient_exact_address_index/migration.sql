-- The case-sensitive unique index on (email_id, address) is redundant since 20261126120000 added the
-- case-insensitive one: no running code names it any more (the release that added the new index already
-- wrote `ON CONFLICT (email_id, lower(address))`), and every recipient insert paid for maintaining both.
-- Deploy this only over that release: pods older than it still need the index this drops.
-- Recipients by email are still found through recipient_email_id_lower_address_key (email_id leads it),
-- so the drop is refused unless that index is there and valid: one email's recipients must stay unique.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_index i
                 WHERE i.indexrelid = to_regclass('recipient_email_id_lower_address_key')
                   AND i.indrelid = 'recipient'::regclass AND i.indisvalid AND i.indisunique) THEN
    RAISE EXCEPTION 'recipient_email_id_lower_address_key is missing or invalid: apply 20261126120000 (or rebuild it) first';
  END IF;
END $$;
DROP INDEX IF EXISTS "recipient_email_id_address_key";
