import type { Db } from '@postdate/db';
import { claimForDelivery, type ClaimRequest, type ClaimResult, type ClaimSettings } from './claim-for-delivery';
import { findSenderDomains, type SenderDomainRequest, type SenderDomainRow } from './find-sender-domains';
import { markSent, type MarkSentRequest } from './mark-sent';
import { createStatementBatcher, runInDistinctRounds, type StatementBatcherOptions } from '../statement-batcher';

/** The statements every delivery makes, one email at a time for the caller, batched underneath. */
export interface DeliveryStatements {
  claim(request: ClaimRequest): Promise<ClaimResult>;
  /** The From's usable sender domain and its key, read right after the claim. */
  senderDomain(request: SenderDomainRequest): Promise<SenderDomainRow | undefined>;
  markSent(request: MarkSentRequest): Promise<boolean>;
}

/**
 * One worker's claims and sent-records, each grouped across its concurrent deliveries: at load, one
 * statement (and one commit) serves many emails, each still fenced row by row.
 */
export function createDeliveryStatements(
  db: Db,
  settings: ClaimSettings,
  batching: Omit<StatementBatcherOptions, 'onBatch'> & { onBatch?: (statement: 'claim' | 'sender' | 'sent', size: number) => void },
): DeliveryStatements {
  const byEmail = (request: { emailId: bigint }) => request.emailId.toString();
  const options = (statement: 'claim' | 'sender' | 'sent'): StatementBatcherOptions => ({
    ...batching,
    onBatch: (size) => batching.onBatch?.(statement, size),
  });
  return {
    claim: createStatementBatcher(
      (requests: ClaimRequest[]) => runInDistinctRounds(requests, byEmail, (round) => claimForDelivery(db, settings, round)),
      options('claim'),
    ),
    // The claim answers a batch's emails together, so their lookups arrive together: no wait for company.
    senderDomain: createStatementBatcher((requests: SenderDomainRequest[]) => findSenderDomains(db, requests), { ...options('sender'), maxWaitMs: 0 }),
    markSent: createStatementBatcher(
      (requests: MarkSentRequest[]) => runInDistinctRounds(requests, byEmail, (round) => markSent(db, round)),
      options('sent'),
    ),
  };
}
