-- Per-tenant daily recipient counters. One row per tenant per UTC day; creating or editing an email
-- increments it under the row lock in the same transaction, so concurrent requests cannot overshoot.
CREATE TABLE "quota_usage" (
    "tenant_id" BIGINT NOT NULL,
    "day" DATE NOT NULL,
    "recipients" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "quota_usage_pkey" PRIMARY KEY ("tenant_id", "day")
);
ALTER TABLE "quota_usage" ADD CONSTRAINT "quota_usage_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
