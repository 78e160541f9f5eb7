-- A tenant's suppression list: addresses not to send to (a relay refused them for good, the client reported
-- a bounce or a complaint, or asked). Matched case-insensitively, like recipients: one row per address per
-- tenant. Checked when a worker claims an email: a suppressed recipient is marked `suppressed`, not sent to.
CREATE TYPE "suppression_reason" AS ENUM ('hard_bounce', 'complaint', 'manual');
CREATE TABLE "suppression" (
    "id" BIGSERIAL NOT NULL,
    "tenant_id" BIGINT NOT NULL,
    "address" TEXT NOT NULL,
    "reason" "suppression_reason" NOT NULL,
    "source" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "suppression_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "suppression_tenant_id_address_key" ON "suppression"("tenant_id", lower("address"));
CREATE INDEX "suppression_tenant_id_id_idx" ON "suppression"("tenant_id", "id" DESC);
ALTER TABLE "suppression" ADD CONSTRAINT "suppression_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- A recipient skipped at the claim because its address is suppressed. (A new enum value cannot be used in
-- the transaction that adds it; nothing here uses it.)
ALTER TYPE "recipient_status" ADD VALUE 'suppressed';
