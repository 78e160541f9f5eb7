import { inTransaction } from '@postdate/db';
import type { Database } from '@postdate/db/client';
import { createEmailInputSchema, createEmails, createTenant, type DeliveryTarget, type NewEmail } from '@postdate/domain';

// The one message shape every benchmark sends, so postdate and its baselines push identical bytes.

const TEXT = 'Hello,\n\nThis is a scheduled message from the postdate benchmark. '.repeat(6);
const HTML = `<html><body><p>Hello,</p><p>${'This is a scheduled message from the postdate benchmark. '.repeat(6)}</p></body></html>`;

export interface BenchMessage {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  sendAt?: string;
}

/** Request body for email number i: `recipients` addresses in `to`, X-Send-At for lateness at the sink. */
export function benchMessage(i: number, recipients: number, sendAt?: Date): BenchMessage {
  const sendAtMs = sendAt?.getTime() ?? Date.now();
  return {
    from: 'Bench <bench@postdate.test>',
    to: Array.from({ length: recipients }, (_, r) => `user${i}.${r}@example.com`),
    subject: `Benchmark message ${i}`,
    text: TEXT,
    html: HTML,
    headers: { 'X-Send-At': String(sendAtMs) },
    ...(sendAt ? { sendAt: sendAt.toISOString() } : {}),
  };
}

export async function benchTenant(db: Database, name = 'bench'): Promise<{ tenantId: bigint; apiKey: string }> {
  const tenant = await createTenant(db, name);
  return { tenantId: tenant.tenantId, apiKey: tenant.apiKey };
}

/**
 * Creates emails through the domain's own createEmails (the API's write path), in batches of one
 * transaction each. Returns the jobs to enqueue, which the caller adds when it chooses.
 */
export async function seedEmails(
  db: Database,
  tenantId: bigint,
  count: number,
  options: {
    recipients: number;
    sendAtOf: (i: number) => Date;
    batchSize?: number;
    firstIndex?: number;
    onBatch?: (done: number) => void;
  },
): Promise<DeliveryTarget[]> {
  const schema = createEmailInputSchema({ maxRecipients: 100, maxScheduleDays: 365 });
  const batchSize = options.batchSize ?? 500;
  const first = options.firstIndex ?? 0;
  const targets: DeliveryTarget[] = [];
  for (let start = 0; start < count; start += batchSize) {
    const emails: NewEmail[] = [];
    for (let i = start; i < Math.min(count, start + batchSize); i++) {
      emails.push({ input: schema.parse(benchMessage(first + i, options.recipients, options.sendAtOf(i))) });
    }
    const result = await inTransaction(
      db,
      (tx) => createEmails(tx, { tenantId, emails, now: new Date(), enqueueHorizonSeconds: 3600 }),
      { timeoutMs: 120_000 },
    );
    targets.push(...result.toEnqueue);
    options.onBatch?.(Math.min(count, start + batchSize));
  }
  return targets;
}
