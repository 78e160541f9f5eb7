import type { ApiEnv } from '@postdate/config';
import type { Database } from '@postdate/db/client';
import type { EnqueueDeliveries, Principal, SingleCreate, SingleCreateOutcome } from '@postdate/domain';
import type { Logger } from '@postdate/observability';
import type { DeliveryQueue, SweepQueue } from '@postdate/queue';
import type { Redis } from 'ioredis';
import type { ApiMetrics } from './api-metrics';

/** What the HTTP layer is given to work with; built once in main (or by a test). */
export interface ApiContext {
  config: ApiEnv;
  db: Database;
  redis: Redis;
  deliveryQueue: DeliveryQueue;
  sweepQueue: SweepQueue;
  enqueue: EnqueueDeliveries;
  /** Bearer key → tenant, read together with concurrent requests' keys (see createApiKeyAuthenticator). */
  authenticateKey: (key: string) => Promise<Principal>;
  /** Single-email creates, written together with concurrent ones (see createEmailBatcher). */
  createEmail: (create: SingleCreate) => Promise<SingleCreateOutcome>;
  log: Logger;
  metrics: ApiMetrics;
  isShuttingDown: () => boolean;
}
