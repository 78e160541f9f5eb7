import { z } from 'zod';
import { parseAddress, suppressionPageSchema, suppressionViewSchema } from '@postdate/domain';
import { defineOperation } from '../openapi/api-operation';
import { suppressionExample } from '../openapi/examples';

/** A bare address (no display name), as the suppression list keys it; the domain lower-cased like recipients'. */
const bareAddress = z
  .string()
  .max(320)
  .transform((raw, ctx) => {
    const parsed = parseAddress(raw);
    if ('error' in parsed || parsed.name) {
      ctx.addIssue({ code: 'custom', message: 'expected a bare address such as ann@example.com' });
      return z.NEVER;
    }
    return parsed.address;
  });

export const addSuppressionSchema = z
  .strictObject({
    address: bareAddress,
    reason: z.enum(['hard_bounce', 'complaint', 'manual']).default('manual'),
    expiresAt: z.iso.datetime({ offset: true }).optional().meta({ description: 'Only for a manual entry: after this, the address is sent to again.' }),
  })
  .refine((body) => body.expiresAt === undefined || body.reason === 'manual', { message: 'only a manual suppression may expire', path: ['expiresAt'] })
  .refine((body) => body.expiresAt === undefined || Date.parse(body.expiresAt) > Date.now(), { message: 'expiresAt must be in the future', path: ['expiresAt'] })
  .meta({ id: 'AddSuppressionRequest' });

export const listSuppressionsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(20).optional().meta({ description: "The previous page's nextCursor." }),
});

const suppression = { schema: suppressionViewSchema, example: suppressionExample };

/** The suppression endpoints: what `suppressions.ts` validates requests with and answers, and what the document says of them. */
export const suppressionOperations = {
  list: defineOperation({
    method: 'get',
    path: '/v1/suppressions',
    operationId: 'listSuppressions',
    tag: 'Suppressions',
    summary: "List the tenant's suppression list, newest first",
    request: { query: listSuppressionsQuerySchema },
    responses: { 200: { description: 'One page.', schema: suppressionPageSchema } },
    errors: [400],
  }),
  add: defineOperation({
    method: 'post',
    path: '/v1/suppressions',
    operationId: 'addSuppression',
    tag: 'Suppressions',
    summary: 'Add an address to the suppression list',
    description: 'A bounce or complaint your relay told you about elsewhere, or your own choice. Matched without regard to case.',
    request: { body: addSuppressionSchema, bodyExample: { address: 'ann@example.com', reason: 'complaint' } },
    responses: {
      201: { ...suppression, description: 'Added.' },
      200: { ...suppression, description: 'It was there already: its reason and expiry updated.' },
    },
    errors: [],
  }),
  remove: defineOperation({
    method: 'delete',
    path: '/v1/suppressions/{address}',
    operationId: 'removeSuppression',
    tag: 'Suppressions',
    summary: 'Take an address off the suppression list',
    request: { params: z.object({ address: z.string().meta({ description: 'The address, percent-encoded.' }) }) },
    responses: { 204: { description: 'Removed: it is sent to again from the next claim on.' } },
    errors: [404],
  }),
};
