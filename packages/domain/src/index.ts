// @postdate/domain: business rules both apps share, testable without HTTP or BullMQ.
export * from './errors';
export { createEmailInputSchema, defaultEmailLimits, metadataSchema, headersSchema, sendAtSchema } from './emails/email-input';
export type { CreateEmailInput, EmailLimits } from './emails/email-input';
export { parseAddress, formatAddress } from './emails/parse-address';
export { createEmails } from './emails/create-emails';
export type { NewEmail, CreateEmailsCommand, CreateEmailsResult, CreatedEmail } from './emails/create-emails';
export { toEmailView } from './emails/email-view';
export type { EmailView, EmailWithRecipients } from './emails/email-view';
export { findEmail, parseEmailId } from './emails/find-email';
export { listEmails } from './emails/list-emails';
export type { ListEmailsQuery, EmailPage } from './emails/list-emails';
export { requestHash } from './emails/request-hash';

export type { DeliveryTarget, EnqueueDeliveries } from './delivery/delivery-target';
export type { DeliveryPolicy } from './delivery/delivery-policy';
export { retryDelaySeconds } from './delivery/delivery-policy';
export { claimForDelivery } from './delivery/claim-for-delivery';
export { markSent } from './delivery/mark-sent';
export { markFailed } from './delivery/mark-failed';
export { scheduleRetry } from './delivery/schedule-retry';
export { recoverExpiredLeases } from './delivery/recover-expired-leases';
export { findOverdueEmails } from './delivery/find-overdue-emails';
export { promoteToHorizon } from './delivery/promote-to-horizon';
export { deliverEmail } from './delivery/deliver-email';
export type { DeliveryJob, DeliveryContext, DeliveryOutcome } from './delivery/deliver-email';

export { createTenant } from './tenants/create-tenant';
export { issueApiKey } from './tenants/issue-api-key';
export { authenticateApiKey } from './tenants/authenticate-api-key';
export type { Principal } from './tenants/authenticate-api-key';
export { listApiKeys, revokeApiKey, findTenantId } from './tenants/manage-api-keys';
export { generateApiKey, apiKeyPrefix } from './tenants/api-key-secret';
export { sweepDueEmails } from './delivery/sweep-due-emails';
export type { SweepContext, SweepReport } from './delivery/sweep-due-emails';
