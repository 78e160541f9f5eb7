import { domainOperations } from '../routes/domain-operations';
import { emailOperations } from '../routes/email-operations';
import { eventOperations } from '../routes/event-operations';
import { healthOperations } from '../routes/health-operations';
import { suppressionOperations } from '../routes/suppression-operations';
import { webhookOperations } from '../routes/webhook-operations';
import type { ApiOperation } from './api-operation';
import type { DocumentedConfig } from './documented-config';

/** Every documented endpoint, group by group: a new route file adds its group here, one line. */
export function apiOperations(config: DocumentedConfig): ApiOperation[] {
  return [
    ...Object.values(emailOperations(config)),
    ...Object.values(eventOperations),
    ...Object.values(suppressionOperations),
    ...Object.values(webhookOperations),
    ...Object.values(domainOperations),
    ...Object.values(healthOperations),
  ];
}
