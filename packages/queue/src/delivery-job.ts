import { z } from 'zod';

/** A delivery job's payload. Only identifiers: the email's content is read from Postgres at send time. */
export const deliveryJobSchema = z.strictObject({
  emailId: z.string().regex(/^[1-9][0-9]*$/),
  tenantId: z.string().regex(/^[1-9][0-9]*$/),
  version: z.number().int().positive(),
});

export type DeliveryJobData = z.infer<typeof deliveryJobSchema>;

/**
 * One job id per (email, version, attempt): duplicates of the same delivery collapse in Redis, while an
 * edit (new version) or a retry (new attempt) gets a job of its own. The email's creation time (ms, base
 * 36) tells apart two emails issued the same id by two lives of one database (restored from a backup,
 * or dropped and migrated again) under the same Redis: otherwise a finished job of the old email would
 * stand in for the new one's. BullMQ forbids ids that are all digits or contain ':'.
 */
export function deliveryJobId(target: { emailId: string; createdAt: Date; version: number; attempts: number }): string {
  return `email-${target.emailId}-${target.createdAt.getTime().toString(36)}-v${target.version}-a${target.attempts}`;
}
