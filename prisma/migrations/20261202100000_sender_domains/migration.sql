-- Sender domains: the domains a tenant may put in From, each with the DKIM key pair postdate signs with (the
-- private key sealed with AES-256-GCM under DKIM_ENCRYPTION_KEY). Registered as `pending`; `verified` once its
-- DKIM record is found in DNS; `unverified` (since unverified_since) when a later check finds it gone.
CREATE TYPE "sender_domain_status" AS ENUM ('pending', 'verified', 'unverified');
CREATE TABLE "sender_domain" (
    "id" BIGSERIAL NOT NULL,
    "tenant_id" BIGINT NOT NULL,
    "name" TEXT NOT NULL,
    "status" "sender_domain_status" NOT NULL DEFAULT 'pending',
    "trusted" BOOLEAN NOT NULL DEFAULT false,
    "dkim_selector" TEXT NOT NULL,
    "dkim_public_key" TEXT NOT NULL,
    "dkim_private_key" TEXT NOT NULL,
    "dkim_record_status" TEXT,
    "spf_record_status" TEXT,
    "last_check_error" TEXT,
    "last_checked_at" TIMESTAMPTZ(3),
    "verified_at" TIMESTAMPTZ(3),
    "unverified_since" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "sender_domain_pkey" PRIMARY KEY ("id")
);
-- One registration per name per tenant; it also serves every lookup of a tenant's domains by name.
CREATE UNIQUE INDEX "sender_domain_tenant_id_name_key" ON "sender_domain"("tenant_id", "name");
-- A name belongs to one tenant once verified. Pending registrations may coexist (whoever publishes the
-- record owns the name), so that registering a name does not squat it.
CREATE UNIQUE INDEX "sender_domain_owned_name_key" ON "sender_domain"("name") WHERE "status" <> 'pending';
-- The sweeper's periodic re-checks: verified and lapsed domains, oldest check first.
CREATE INDEX "sender_domain_recheck_idx" ON "sender_domain"("last_checked_at") WHERE "status" <> 'pending' AND NOT "trusted";
ALTER TABLE "sender_domain" ADD CONSTRAINT "sender_domain_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
