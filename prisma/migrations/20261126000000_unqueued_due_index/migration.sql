-- The sweeper's promotion scan wants the earliest scheduled rows that have no job yet. Over
-- scheduled_email_due_idx it stepped past every already-queued row inside the enqueue horizon first, so
-- its cost grew with how many emails are due within the hour; this index starts at the first unqueued row.
CREATE INDEX "scheduled_email_unqueued_due_idx" ON "scheduled_email"("due_at") WHERE "status" = 'scheduled' AND NOT "queued";
