-- Addresses are now stored (and sent) with the local part as the client wrote it: RFC 5321 lets a server
-- treat local parts case-sensitively, and lower-casing them could misdeliver on the few that do. One row
-- per address per email is still judged case-insensitively, by this index. Rows written before are all
-- lower-case already, so the new index cannot find a duplicate. Built without CONCURRENTLY (migrations
-- run in a transaction): on a large live table, build it concurrently by hand first, under this name.
CREATE UNIQUE INDEX "recipient_email_id_lower_address_key" ON "recipient" ("email_id", lower("address"));
DROP INDEX "recipient_email_id_address_key";
