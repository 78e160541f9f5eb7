import type { Db } from '@postdate/db';
import { createStatementBatcher, runInDistinctRounds, type StatementBatcherOptions } from '../statement-batcher';
import { claimWebhooks, type WebhookClaimRequest, type WebhookClaimResult, type WebhookClaimSettings } from './claim-webhooks';
import { recordWebhookAttempts, type WebhookRecordRequest, type WebhookRecordResult, type WebhookRecordSettings } from './record-webhook-attempts';

/** The two statements every webhook POST makes, one delivery at a time for the caller, batched underneath. */
export interface WebhookStatements {
  claim(request: WebhookClaimRequest): Promise<WebhookClaimResult>;
  record(request: WebhookRecordRequest): Promise<WebhookRecordResult>;
}

/**
 * One worker's webhook claims and records, each grouped across its concurrent dispatches as email
 * deliveries' are (delivery-statements.ts): at load, one statement and one commit serve many deliveries,
 * each still fenced row by row.
 */
export function createWebhookStatements(
  db: Db,
  settings: WebhookClaimSettings & WebhookRecordSettings,
  batching: Omit<StatementBatcherOptions, 'onBatch'> & { onBatch?: (statement: 'claim' | 'record', size: number) => void },
): WebhookStatements {
  const byDelivery = (request: { deliveryId: bigint }) => request.deliveryId.toString();
  const options = (statement: 'claim' | 'record'): StatementBatcherOptions => ({ ...batching, onBatch: (size) => batching.onBatch?.(statement, size) });
  return {
    claim: createStatementBatcher(
      (requests: WebhookClaimRequest[]) => runInDistinctRounds(requests, byDelivery, (round) => claimWebhooks(db, settings, round)),
      options('claim'),
    ),
    record: createStatementBatcher(
      (requests: WebhookRecordRequest[]) => runInDistinctRounds(requests, byDelivery, (round) => recordWebhookAttempts(db, settings, round)),
      options('record'),
    ),
  };
}
