-- Whether a refused recipient was refused for good (5xx) or for now (4xx). Re-arming a failed email (an
-- edit with a new sendAt) sends again to the recipients a temporary refusal left `rejected`; permanent
-- refusals stay. Rows refused before this column existed have no kind and count as refused for good.
CREATE TYPE "recipient_refusal" AS ENUM ('permanent', 'transient');
ALTER TABLE "recipient" ADD COLUMN "refusal" "recipient_refusal";
