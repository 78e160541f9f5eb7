import { z } from 'zod';

/** A webhook job's payload: which delivery, as the promoter found it. The event and endpoint are read at the claim. */
export const webhookJobSchema = z.strictObject({
  deliveryId: z.string().regex(/^[1-9][0-9]*$/),
  /** The delivery's creation time, ms since the epoch: with the id, names one delivery across database lives. */
  createdAt: z.number().int().positive(),
  /** Attempts made when the job was added: the claim takes the delivery only if it still stands there. */
  attempts: z.number().int().min(0),
});

export type WebhookJobData = z.infer<typeof webhookJobSchema>;

/**
 * One job id per (delivery, attempt count): duplicate jobs of one attempt collapse in Redis, while a retry
 * or a delivery taken back from a dead worker (attempts moved on) gets a job of its own. The creation time
 * (ms, base 36) tells apart two deliveries issued the same id by two lives of one database. BullMQ forbids
 * ids that are all digits or contain ':'.
 */
export function webhookJobId(target: { deliveryId: string; createdAt: Date; attempts: number }): string {
  return `webhook-${target.deliveryId}-${target.createdAt.getTime().toString(36)}-a${target.attempts}`;
}
