import type { components, operations } from './generated/api-types';

// The client's types, named: each one generated (npm run openapi) from the OpenAPI document, itself
// generated from the zod schemas the API validates and answers with.

type Schemas = components['schemas'];
type QueryOf<Operation extends keyof operations> = NonNullable<operations[Operation]['parameters']['query']>;

export type Email = Schemas['Email'];
export type Recipient = Schemas['Recipient'];
export type EmailPage = Schemas['EmailPage'];
export type CreateEmailParams = Schemas['CreateEmailRequest'];
export type UpdateEmailParams = Schemas['UpdateEmailRequest'];
export type BatchEmailParams = Schemas['BatchEmailRequest'];
export type BatchResult = Schemas['BatchResult'];
export type ListEmailsParams = QueryOf<'listEmails'>;

export type Event = Schemas['Event'];
export type EventPage = Schemas['EventPage'];
export type ListEventsParams = QueryOf<'listEvents'>;

export type Suppression = Schemas['Suppression'];
export type SuppressionPage = Schemas['SuppressionPage'];
export type AddSuppressionParams = Schemas['AddSuppressionRequest'];
export type ListSuppressionsParams = QueryOf<'listSuppressions'>;

/** The `error` of every 4xx and 5xx answer. */
export type ErrorEnvelope = Schemas['Error']['error'];
export type ErrorCode = ErrorEnvelope['code'];

export type Redelivery = Schemas['Redelivery'];
export type RedeliverEventParams = Schemas['RedeliverEventRequest'];

export type WebhookEndpoint = Schemas['WebhookEndpoint'];
/** A new endpoint, or one whose secret was just rotated: the only answers that carry the secret. */
export type WebhookEndpointWithSecret = Schemas['WebhookEndpointWithSecret'];
export type WebhookEndpointList = Schemas['WebhookEndpointList'];
export type CreateWebhookEndpointParams = Schemas['CreateWebhookEndpointRequest'];
export type UpdateWebhookEndpointParams = Schemas['UpdateWebhookEndpointRequest'];
export type WebhookAttempt = Schemas['WebhookAttempt'];
export type WebhookAttemptPage = Schemas['WebhookAttemptPage'];
export type ListWebhookAttemptsParams = QueryOf<'listWebhookAttempts'>;

export type Domain = Schemas['Domain'];
export type DomainList = Schemas['DomainList'];
export type RegisterDomainParams = Schemas['RegisterDomainRequest'];
