import { z } from 'zod';
import { batchEmailInputSchema, createEmailInputSchema, emailPageSchema, emailViewSchema, idempotencyKeySchema, updateEmailInputSchema } from '@postdate/domain';
import { defineOperation } from '../openapi/api-operation';
import type { DocumentedConfig } from '../openapi/documented-config';
import { batchExample, createEmailExample, emailExample, updateEmailExample } from '../openapi/examples';

const emailId = z.object({ id: z.string().meta({ description: "The email's id.", examples: ['123'] }) });

export const listEmailsQuerySchema = z.strictObject({
  status: z.enum(['scheduled', 'sending', 'sent', 'failed', 'canceled']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(20).optional().meta({ description: "The previous page's nextCursor." }),
});

// As long as an address a create accepts (the domain's address field): longer cannot be a recipient, and
// parseAddress's display-name pattern costs the square of the length, so a longer one is refused unparsed.
export const recipientAddressSchema = z
  .string()
  .max(512, 'an address is at most 512 characters')
  .meta({ description: 'The address, percent-encoded; matched without regard to case.' });

const batchResultSchema = z
  .strictObject({
    data: z.array(emailViewSchema.extend({ replayed: z.boolean() })),
    created: z.number().int(),
    replayed: z.number().int(),
  })
  .meta({ id: 'BatchResult' });

/** The email endpoints: what `emails.ts` validates requests with and answers, and what the document says of them. */
export function emailOperations(config: DocumentedConfig) {
  const limits = { maxRecipients: config.MAX_RECIPIENTS, maxScheduleDays: config.MAX_SCHEDULE_DAYS };
  const createBody = createEmailInputSchema(limits).meta({ id: 'CreateEmailRequest' });
  const batchItem = batchEmailInputSchema(limits).meta({ id: 'BatchEmailRequest' });
  const email = { description: 'The email.', schema: emailViewSchema, example: emailExample };

  return {
    create: defineOperation({
      method: 'post',
      path: '/v1/emails',
      operationId: 'createEmail',
      tag: 'Emails',
      summary: 'Schedule an email',
      description: 'Email and recipients are written in one transaction; the delivery job is added after the commit.',
      request: { headers: z.object({ 'Idempotency-Key': idempotencyKeySchema }), body: createBody, bodyExample: createEmailExample },
      responses: {
        201: { ...email, description: 'Scheduled.', headers: z.object({ Location: z.string().meta({ description: '/v1/emails/{id}' }) }) },
        200: {
          ...email,
          description: 'A replay: this Idempotency-Key was used before with the same body; the stored email.',
          headers: z.object({ 'Idempotent-Replayed': z.literal('true') }),
        },
      },
      errors: [422],
    }),
    batch: defineOperation({
      method: 'post',
      path: '/v1/emails/batch',
      operationId: 'createEmailBatch',
      tag: 'Emails',
      summary: 'Schedule several emails, all or nothing',
      description: `Up to ${config.MAX_BATCH_SIZE} emails; one invalid item (400 naming emails[i]), an idempotency mismatch or an exceeded quota writes nothing.`,
      request: {
        // What the route validates first; each item is then validated alone so that an error names its index.
        body: z.strictObject({ emails: z.array(batchItem).min(1).max(config.MAX_BATCH_SIZE) }).meta({ id: 'BatchRequest' }),
        bodyExample: batchExample,
      },
      responses: {
        201: { description: 'At least one email was new.', schema: batchResultSchema },
        200: { description: 'Every email was a replay.', schema: batchResultSchema },
      },
      errors: [422],
    }),
    list: defineOperation({
      method: 'get',
      path: '/v1/emails',
      operationId: 'listEmails',
      tag: 'Emails',
      summary: 'List emails, newest first',
      request: { query: listEmailsQuerySchema },
      responses: { 200: { description: 'One page.', schema: emailPageSchema } },
      errors: [400],
    }),
    get: defineOperation({
      method: 'get',
      path: '/v1/emails/{id}',
      operationId: 'getEmail',
      tag: 'Emails',
      summary: 'Read an email',
      request: { params: emailId },
      responses: { 200: email },
      errors: [404],
    }),
    update: defineOperation({
      method: 'patch',
      path: '/v1/emails/{id}',
      operationId: 'updateEmail',
      tag: 'Emails',
      summary: 'Edit an email',
      description:
        'Any field of the create body; to/cc/bcc each replace that list (as a diff), metadata is merged (null deletes a key). A failed or canceled email is re-armed only by an edit with a new sendAt.',
      request: { params: emailId, body: updateEmailInputSchema(limits).meta({ id: 'UpdateEmailRequest' }), bodyExample: updateEmailExample },
      responses: { 200: { ...email, description: 'The email as the edit left it.' } },
      errors: [404, 409],
    }),
    cancel: defineOperation({
      method: 'post',
      path: '/v1/emails/{id}/cancel',
      operationId: 'cancelEmail',
      tag: 'Emails',
      summary: 'Cancel a scheduled email',
      description: 'Canceling a canceled email answers 200 again; sending, sent or failed: 409.',
      request: { params: emailId },
      responses: { 200: { ...email, description: 'The canceled email.' } },
      errors: [404, 409],
    }),
    removeRecipient: defineOperation({
      method: 'delete',
      path: '/v1/emails/{id}/recipients/{address}',
      operationId: 'removeRecipient',
      tag: 'Emails',
      summary: 'Remove one recipient',
      description: 'Only while scheduled. Removing the last recipient cancels the email.',
      request: { params: emailId.extend({ address: recipientAddressSchema }) },
      responses: { 200: { ...email, description: 'The email without that recipient.' } },
      errors: [400, 404, 409],
    }),
  };
}
