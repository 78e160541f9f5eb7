import { createDeliveryStatements, createEmailInputSchema, createEmails, type DeliveryContext, type DeliveryJob } from '@postdate/domain';
import type { MailTransport } from '@postdate/mail';

// For tests that drive deliverEmail one delivery at a time: the context, and an email due now.

const schema = createEmailInputSchema();

/** A delivery context whose statements are not batched, with a lease of `leaseSeconds` and retries far off. */
export function oneDeliveryContext(db: DeliveryContext['db'], options: { workerId: string; leaseSeconds: number; transport: MailTransport }): DeliveryContext {
  const { workerId, leaseSeconds, transport } = options;
  return {
    db,
    statements: createDeliveryStatements(db, { workerId, leaseSeconds }, { maxBatchSize: 1, maxInFlight: 1, maxWaitMs: 0 }),
    transport,
    enqueue: async () => undefined,
    policy: { leaseSeconds, maxSendSeconds: 60, maxAttempts: 3, retryBaseSeconds: 30, retryMaxSeconds: 60, leaseRecovery: 'at-least-once' },
    mailDomain: 'postdate.test',
    horizonSeconds: 3600,
  };
}

/** One email from a@acme.test to one recipient, due now, as the job that would deliver it. */
export async function scheduleOne(db: DeliveryContext['db'], tenantId: bigint, subject: string): Promise<DeliveryJob> {
  const { created } = await createEmails(db, {
    tenantId,
    emails: [{ input: schema.parse({ from: 'a@acme.test', to: ['ann@example.com'], subject, text: 'x' }) }],
    now: new Date(),
    enqueueHorizonSeconds: 3600,
  });
  const email = created[0]!.email;
  return { emailId: email.id.toString(), tenantId: tenantId.toString(), version: email.version };
}
