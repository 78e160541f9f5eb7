-- postdate: initial schema. Hand-written to match prisma/schema.prisma (see packages/db/test/schema-matches-migrations.test.ts).

CREATE TYPE "email_status" AS ENUM ('scheduled', 'sending', 'sent', 'failed', 'canceled');
CREATE TYPE "recipient_kind" AS ENUM ('to', 'cc', 'bcc');
CREATE TYPE "recipient_status" AS ENUM ('pending', 'sent', 'rejected', 'removed');

CREATE TABLE "tenant" (
    "id" BIGSERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "daily_recipient_quota" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "tenant_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "tenant_name_key" ON "tenant"("name");

CREATE TABLE "api_key" (
    "id" BIGSERIAL NOT NULL,
    "tenant_id" BIGINT NOT NULL,
    "prefix" TEXT NOT NULL,
    "key_hash" TEXT NOT NULL,
    "label" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),
    CONSTRAINT "api_key_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "api_key_prefix_key" ON "api_key"("prefix");
CREATE INDEX "api_key_tenant_id_idx" ON "api_key"("tenant_id");

CREATE TABLE "scheduled_email" (
    "id" BIGSERIAL NOT NULL,
    "tenant_id" BIGINT NOT NULL,
    "idempotency_key" TEXT,
    "request_hash" TEXT NOT NULL,
    "status" "email_status" NOT NULL DEFAULT 'scheduled',
    "send_at" TIMESTAMPTZ(3) NOT NULL,
    "due_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_after_seconds" INTEGER,
    "from_address" TEXT NOT NULL,
    "reply_to" TEXT[],
    "subject" TEXT NOT NULL DEFAULT '',
    "text_body" TEXT,
    "html_body" TEXT,
    "headers" JSONB NOT NULL DEFAULT '{}',
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "version" INTEGER NOT NULL DEFAULT 1,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "attempts_at_arm" INTEGER NOT NULL DEFAULT 0,
    "queued" BOOLEAN NOT NULL DEFAULT false,
    "lease_until" TIMESTAMPTZ(3),
    "failure_reason" TEXT,
    "last_error" TEXT,
    "message_id" TEXT,
    "sent_at" TIMESTAMPTZ(3),
    "canceled_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "scheduled_email_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "scheduled_email_tenant_id_idempotency_key_key" ON "scheduled_email"("tenant_id", "idempotency_key");
CREATE INDEX "scheduled_email_tenant_id_id_idx" ON "scheduled_email"("tenant_id", "id" DESC);
-- The sweeper's two scans touch only live rows: due-soon scheduled emails and in-flight leases.
-- Sent, failed and canceled history never enters these indexes, so a pass costs the same at 10k or 10M rows.
CREATE INDEX "scheduled_email_due_idx" ON "scheduled_email"("due_at") WHERE "status" = 'scheduled';
CREATE INDEX "scheduled_email_lease_idx" ON "scheduled_email"("lease_until") WHERE "status" = 'sending';

CREATE TABLE "recipient" (
    "id" BIGSERIAL NOT NULL,
    "email_id" BIGINT NOT NULL,
    "address" TEXT NOT NULL,
    "name" TEXT,
    "kind" "recipient_kind" NOT NULL,
    "status" "recipient_status" NOT NULL DEFAULT 'pending',
    "smtp_response" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "recipient_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "recipient_email_id_address_key" ON "recipient"("email_id", "address");

CREATE TABLE "delivery_attempt" (
    "id" BIGSERIAL NOT NULL,
    "email_id" BIGINT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "worker_id" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    "outcome" TEXT,
    "smtp_response" TEXT,
    CONSTRAINT "delivery_attempt_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "delivery_attempt_email_id_attempt_key" ON "delivery_attempt"("email_id", "attempt");

ALTER TABLE "api_key" ADD CONSTRAINT "api_key_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "scheduled_email" ADD CONSTRAINT "scheduled_email_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "recipient" ADD CONSTRAINT "recipient_email_id_fkey" FOREIGN KEY ("email_id") REFERENCES "scheduled_email"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "delivery_attempt" ADD CONSTRAINT "delivery_attempt_email_id_fkey" FOREIGN KEY ("email_id") REFERENCES "scheduled_email"("id") ON DELETE CASCADE ON UPDATE CASCADE;
