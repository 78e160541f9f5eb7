import type { Db } from '@postdate/db';
import type { SenderPolicy } from '../domains/usable-domains';
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
  /** Statements in flight at once for one tenant (tenants never wait on each other). */
  maxInFlight: number;
  /** When verified domains are required: a create whose From is on none of the tenant's is refused alone. */
  senderPolicy?: SenderPolicy;
}

/**
 * Single-email creates from concurrent API requests, written together: one statement per batch of a
 * tenant's creates instead of one per request; each tenant batches on its own. Each request still gets
 * exactly its own answer — a replay, an Idempotency-Key mismatch or a quota refusal concerns that request
 * only: when a tenant's batch would exceed its quota as a whole, its creates are retried one by one, so
 * the quota admits exactly what it would have admitted unbatched.
 */
export function createEmailBatcher(db: Db, options: CreateBatchingOptions): (create: SingleCreate) => Promise<SingleCreateOutcome> {
  const writeForTenant = async (tenantId: bigint, emails: NewEmail[]): Promise<SingleCreateOutcome[]> => {
    const write = (batch: NewEmail[]) =>
      writeEmails(db, {
        tenantId,
        emails: batch,
        now: new Date(),
        enqueueHorizonSeconds: options.enqueueHorizonSeconds,
        ...(options.senderPolicy && { senderPolicy: options.senderPolicy }),
      });
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

  // A batcher per tenant, dropped when its last create is answered: one tenant's write waiting on its
  // quota row (behind its own large /batch, say) holds up that tenant's creates only, never another's.
  const tenants = new Map<bigint, { create: (email: NewEmail) => Promise<SingleCreateOutcome>; pending: number }>();
  return async ({ tenantId, email }) => {
    let tenant = tenants.get(tenantId);
    if (!tenant) {
      const batcher = createStatementBatcher((emails: NewEmail[]) => writeForTenant(tenantId, emails), {
        maxBatchSize: options.maxBatchSize,
        maxInFlight: options.maxInFlight,
        maxWaitMs: options.maxWaitMs,
      });
      tenant = { create: batcher, pending: 0 };
      tenants.set(tenantId, tenant);
    }
    tenant.pending++;
    try {
      return await tenant.create(email);
    } finally {
      if (--tenant.pending === 0) tenants.delete(tenantId);
    }
  };
}
