import type { Db } from '@postdate/db';
import { QuotaExceededError } from '../errors';
import { createStatementBatcher } from '../statement-batcher';
import { writeEmails, type EmailOutcome, type NewEmail } from './create-emails';

export interface SingleCreate {
  tenantId: bigint;
  email: NewEmail;
}

/** A single create's outcome: its email, or the refusal meant for that request alone. */
export type SingleCreateOutcome = EmailOutcome | { error: QuotaExceededError };

export interface CreateBatchingOptions {
  enqueueHorizonSeconds: number;
  maxBatchSize: number;
  /** How long the first create of a batch waits for others to join; 0: only creates already queued. */
  maxWaitMs: number;
  maxInFlight: number;
}

/**
 * Single-email creates from concurrent API requests, written together: one statement per tenant per
 * batch instead of one per request. Each request still gets exactly its own answer — a replay, an
 * Idempotency-Key mismatch or a quota refusal concerns that request only: when a tenant's batch would
 * exceed its quota as a whole, its creates are retried one by one, so the quota admits exactly what it
 * would have admitted unbatched.
 */
export function createEmailBatcher(db: Db, options: CreateBatchingOptions): (create: SingleCreate) => Promise<SingleCreateOutcome> {
  const writeForTenant = async (tenantId: bigint, emails: NewEmail[]): Promise<SingleCreateOutcome[]> => {
    const write = (batch: NewEmail[]) => writeEmails(db, { tenantId, emails: batch, now: new Date(), enqueueHorizonSeconds: options.enqueueHorizonSeconds });
    try {
      return await write(emails);
    } catch (error) {
      if (!(error instanceof QuotaExceededError)) throw error;
      if (emails.length === 1) return [{ error }];
    }
    const outcomes: SingleCreateOutcome[] = [];
    for (const email of emails) {
      try {
        outcomes.push(...(await write([email])));
      } catch (error) {
        if (!(error instanceof QuotaExceededError)) throw error;
        outcomes.push({ error });
      }
    }
    return outcomes;
  };

  return createStatementBatcher(
    async (creates: SingleCreate[]) => {
      const byTenant = new Map<bigint, number[]>();
      creates.forEach((c, i) => {
        const indexes = byTenant.get(c.tenantId) ?? [];
        indexes.push(i);
        byTenant.set(c.tenantId, indexes);
      });
      const answers = new Array<SingleCreateOutcome>(creates.length);
      await Promise.all(
        [...byTenant].map(async ([tenantId, indexes]) => {
          const outcomes = await writeForTenant(tenantId, indexes.map((i) => creates[i]!.email));
          indexes.forEach((index, k) => (answers[index] = outcomes[k]!));
        }),
      );
      return answers;
    },
    { maxBatchSize: options.maxBatchSize, maxInFlight: options.maxInFlight, maxWaitMs: options.maxWaitMs },
  );
}
