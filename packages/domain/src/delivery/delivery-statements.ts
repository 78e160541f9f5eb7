import type { Db } from '@postdate/db';
import { claimForDelivery, type ClaimRequest, type ClaimResult, type ClaimSettings } from './claim-for-delivery';
import { markSent, type MarkSentRequest } from './mark-sent';
import { createStatementBatcher, runInDistinctRounds, type StatementBatcherOptions } from '../statement-batcher';

/** The two statements every delivery makes, one email at a time for the caller, batched underneath. */
export interface DeliveryStatements {
  claim(request: ClaimRequest): Promise<ClaimResult>;
  markSent(request: MarkSentRequest): Promise<boolean>;
}

/**
 * One worker's claims and sent-records, each grouped across its concurrent deliveries: at load, one
 * statement (and one commit) serves many emails, each still fenced row by row.
 */
export function createDeliveryStatements(
  db: Db,
  settings: ClaimSettings,
  batching: Omit<StatementBatcherOptions, 'onBatch'> & { onBatch?: (statement: 'claim' | 'sent', size: number) => void },
): DeliveryStatements {
  const byEmail = (request: { emailId: bigint }) => request.emailId.toString();
  const options = (statement: 'claim' | 'sent'): StatementBatcherOptions => ({
    ...batching,
    onBatch: (size) => batching.onBatch?.(statement, size),
  });
  return {
    claim: createStatementBatcher(
      (requests: ClaimRequest[]) => runInDistinctRounds(requests, byEmail, (round) => claimForDelivery(db, settings, round)),
      options('claim'),
    ),
    markSent: createStatementBatcher(
      (requests: MarkSentRequest[]) => runInDistinctRounds(requests, byEmail, (round) => markSent(db, round)),
      options('sent'),
    ),
  };
}
