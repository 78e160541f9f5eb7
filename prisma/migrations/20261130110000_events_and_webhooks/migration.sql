-- Delivery events and signed webhooks (a transactional outbox).
--
-- event: one row per status change (or per refused recipient), written in the same transaction as the change
-- that causes it, never after. public_id is random: it is the webhook-id receivers deduplicate by, and a
-- restored database issuing ids again must never reuse one they have seen. sequence numbers an email's
-- events from 1 in the order they were written; scheduled_email.event_sequence is the last one issued,
-- bumped under the email's row lock by the statement that writes the events.
ALTER TABLE "scheduled_email" ADD COLUMN "event_sequence" INTEGER NOT NULL DEFAULT 0;

CREATE TABLE "event" (
    "id" BIGSERIAL NOT NULL,
    "public_id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" BIGINT NOT NULL,
    "email_id" BIGINT NOT NULL,
    "email_version" INTEGER NOT NULL,
    "sequence" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "data" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "event_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "event_public_id_key" ON "event"("public_id");
CREATE UNIQUE INDEX "event_email_id_sequence_key" ON "event"("email_id", "sequence");
-- A tenant's events, newest first (keyset pagination), filtered by type or not.
CREATE INDEX "event_tenant_id_id_idx" ON "event"("tenant_id", "id" DESC);
ALTER TABLE "event" ADD CONSTRAINT "event_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "event" ADD CONSTRAINT "event_email_id_fkey" FOREIGN KEY ("email_id") REFERENCES "scheduled_email"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A tenant's webhook endpoints. The signing secret (whsec_…) is shown once, at creation or rotation; the
-- previous one stays valid (messages are signed with both) until previous_secret_expires_at.
CREATE TABLE "webhook_endpoint" (
    "id" BIGSERIAL NOT NULL,
    "tenant_id" BIGINT NOT NULL,
    "url" TEXT NOT NULL,
    "event_types" TEXT[] NOT NULL,
    "description" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "disabled_reason" TEXT,
    "disabled_at" TIMESTAMPTZ(3),
    "secret" TEXT NOT NULL,
    "previous_secret" TEXT,
    "previous_secret_expires_at" TIMESTAMPTZ(3),
    "failing_since" TIMESTAMPTZ(3),
    "last_success_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "webhook_endpoint_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "webhook_endpoint_tenant_id_idx" ON "webhook_endpoint"("tenant_id");
ALTER TABLE "webhook_endpoint" ADD CONSTRAINT "webhook_endpoint_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- One event to one endpoint: fanned out in the statement that writes the event, then claimed, sent and
-- recorded by a worker with the same lease and fence discipline as an email (status, attempts).
CREATE TYPE "webhook_delivery_status" AS ENUM ('pending', 'delivering', 'delivered', 'failed');
CREATE TABLE "webhook_delivery" (
    "id" BIGSERIAL NOT NULL,
    "tenant_id" BIGINT NOT NULL,
    "event_id" BIGINT NOT NULL,
    "endpoint_id" BIGINT NOT NULL,
    "status" "webhook_delivery_status" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "due_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "queued" BOOLEAN NOT NULL DEFAULT false,
    "lease_until" TIMESTAMPTZ(3),
    "last_status_code" INTEGER,
    "last_error" TEXT,
    "delivered_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "webhook_delivery_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "webhook_delivery_event_id_idx" ON "webhook_delivery"("event_id");
CREATE INDEX "webhook_delivery_endpoint_id_idx" ON "webhook_delivery"("endpoint_id");
-- Live rows only, as for emails: the dispatcher's scans never read delivered history.
CREATE INDEX "webhook_delivery_unqueued_due_idx" ON "webhook_delivery"("due_at") WHERE "status" = 'pending' AND NOT "queued";
CREATE INDEX "webhook_delivery_pending_due_idx" ON "webhook_delivery"("due_at") WHERE "status" = 'pending';
CREATE INDEX "webhook_delivery_lease_idx" ON "webhook_delivery"("lease_until") WHERE "status" = 'delivering';
ALTER TABLE "webhook_delivery" ADD CONSTRAINT "webhook_delivery_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "event"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "webhook_delivery" ADD CONSTRAINT "webhook_delivery_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoint"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Each POST of a delivery: what the receiver answered (status, first 1 KiB of the body) or why it failed.
CREATE TABLE "webhook_attempt" (
    "id" BIGSERIAL NOT NULL,
    "tenant_id" BIGINT NOT NULL,
    "delivery_id" BIGINT NOT NULL,
    "endpoint_id" BIGINT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "worker_id" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    "duration_ms" INTEGER,
    "status_code" INTEGER,
    "response_body" TEXT,
    "error" TEXT,
    "outcome" TEXT,
    CONSTRAINT "webhook_attempt_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "webhook_attempt_delivery_id_attempt_key" ON "webhook_attempt"("delivery_id", "attempt");
CREATE INDEX "webhook_attempt_endpoint_id_id_idx" ON "webhook_attempt"("endpoint_id", "id" DESC);
ALTER TABLE "webhook_attempt" ADD CONSTRAINT "webhook_attempt_delivery_id_fkey" FOREIGN KEY ("delivery_id") REFERENCES "webhook_delivery"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "webhook_attempt" ADD CONSTRAINT "webhook_attempt_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoint"("id") ON DELETE CASCADE ON UPDATE CASCADE;
