// The public face of @postdate/db: types and the transaction helper. No connection is opened here;
// connections come from '@postdate/db/client'.
export { Prisma } from './generated/prisma/client';
export type {
  ScheduledEmail,
  Recipient,
  Tenant,
  ApiKey,
  DeliveryAttempt,
  EmailStatus,
  RecipientKind,
  RecipientStatus,
  Suppression,
  SuppressionReason,
  Event,
  WebhookEndpoint,
  WebhookDelivery,
  WebhookAttempt,
  SenderDomain,
  SenderDomainStatus,
} from './generated/prisma/client';
export { inTransaction, isInTransaction } from './transaction';
export { isDatabaseUnavailable, isRetryableTransactionError, sqlStateOf } from './database-errors';
export type { Db, DatabaseClient, TransactionOptions } from './transaction';
