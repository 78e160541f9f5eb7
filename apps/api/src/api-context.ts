import type { ApiEnv } from '@postdate/config';
import type { Database } from '@postdate/db/client';
import type { EnqueueDeliveries, Principal, SenderDomains, SingleCreate, SingleCreateOutcome } from '@postdate/domain';
import type { Logger } from '@postdate/observability';
import type { DeliveryQueue, RedisConnection, SweepQueue, WebhookQueue } from '@postdate/queue';
import type { ApiMetrics } from './api-metrics';

/** What the HTTP layer is given to work with; built once in main (or by a test). */
export interface ApiContext {
  config: ApiEnv;
  db: Database;
  redis: RedisConnection;
  deliveryQueue: DeliveryQueue;
  sweepQueue: SweepQueue;
  /** Only for the dashboard: the API adds no webhook jobs (the workers' promoter does). */
  webhookQueue: WebhookQueue;
  enqueue: EnqueueDeliveries;
  /** Bearer key → tenant, read together with concurrent requests' keys (see createApiKeyAuthenticator). */
  authenticateKey: (key: string) => Promise<Principal>;
  /** Single-email creates, written together with concurrent ones (see createEmailBatcher). */
  createEmail: (create: SingleCreate) => Promise<SingleCreateOutcome>;
  /** Which From a tenant may use, the keys to seal new domains' DKIM keys with, the DNS to verify them in. */
  senderDomains: SenderDomains;
  log: Logger;
  metrics: ApiMetrics;
  isShuttingDown: () => boolean;
}
