-- request_hash exists to tell a replay from a different request under the same Idempotency-Key; an email
-- created without a key can never be replayed, so computing its hash (a canonical JSON + SHA-256 on every
-- create, ~5 % of the API's CPU per request) bought nothing. New keyless rows store NULL. Dropping NOT NULL
-- only changes the catalog: no table rewrite, no long lock.
ALTER TABLE "scheduled_email" ALTER COLUMN "request_hash" DROP NOT NULL;
