import { z } from 'zod';
import { domainListSchema, domainViewSchema } from '@postdate/domain';
import { defineOperation } from '../openapi/api-operation';

export const registerDomainSchema = z
  .strictObject({
    name: z.string().min(1).max(253).meta({ description: 'The domain, e.g. acme.com; an IDN is kept as punycode.' }),
  })
  .meta({ id: 'RegisterDomainRequest' });

const domainId = z.object({ id: z.string().meta({ description: "The domain's id.", examples: ['7'] }) });

const pendingExample = {
  object: 'domain',
  id: '7',
  name: 'acme.com',
  status: 'pending',
  verifiedAt: null,
  unverifiedSince: null,
  sendingAllowedUntil: null,
  lastCheckedAt: null,
  lastCheckError: null,
  records: [
    {
      purpose: 'dkim',
      type: 'TXT',
      name: 'pd3f9a0c12e4._domainkey.acme.com',
      value: 'v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAv3…',
      required: true,
      status: 'unchecked',
    },
  ],
  createdAt: '2026-11-30T18:25:25.359Z',
};
const verifiedExample = {
  ...pendingExample,
  status: 'verified',
  verifiedAt: '2026-11-30T18:40:02.117Z',
  lastCheckedAt: '2026-11-30T18:40:02.117Z',
  records: pendingExample.records.map((record) => ({ ...record, status: 'verified' })),
};
const domain = { description: 'The domain and the records to publish (never its private key).', schema: domainViewSchema, example: verifiedExample };

/** The sender domains: what `domains.ts` validates requests with and answers, and what the document says of them. */
export const domainOperations = {
  register: defineOperation({
    method: 'post',
    path: '/v1/domains',
    operationId: 'registerDomain',
    tag: 'Domains',
    summary: 'Register a sender domain',
    description:
      'postdate generates its DKIM key pair and answers the records to publish. A name another tenant has verified is a 409 (whose is not said); pending registrations of a name by several tenants coexist, and the first to verify owns it.',
    request: { body: registerDomainSchema, bodyExample: { name: 'acme.com' } },
    responses: {
      201: {
        description: 'Registered, `pending` until verified.',
        schema: domainViewSchema,
        example: pendingExample,
        headers: z.object({ Location: z.string().meta({ description: '/v1/domains/{id}' }) }),
      },
    },
    errors: [409],
  }),
  list: defineOperation({
    method: 'get',
    path: '/v1/domains',
    operationId: 'listDomains',
    tag: 'Domains',
    summary: "List the tenant's sender domains",
    responses: { 200: { description: 'Every domain, by name.', schema: domainListSchema } },
    errors: [],
  }),
  get: defineOperation({
    method: 'get',
    path: '/v1/domains/{id}',
    operationId: 'getDomain',
    tag: 'Domains',
    summary: 'Read a sender domain',
    request: { params: domainId },
    responses: { 200: domain },
    errors: [404],
  }),
  verify: defineOperation({
    method: 'post',
    path: '/v1/domains/{id}/verify',
    operationId: 'verifyDomain',
    tag: 'Domains',
    summary: "Look a domain's records up now",
    description: 'Found, the DKIM record verifies the domain; each record says what the look-up found. A name another tenant verified first is a 409.',
    request: { params: domainId },
    responses: { 200: { ...domain, description: 'The domain as the check left it.' } },
    errors: [404, 409],
  }),
  remove: defineOperation({
    method: 'delete',
    path: '/v1/domains/{id}',
    operationId: 'deleteDomain',
    tag: 'Domains',
    summary: 'Delete a sender domain and its key',
    description: 'Emails already scheduled from it are not sent: the claim fails them (`domain_unverified`).',
    request: { params: domainId },
    responses: { 204: { description: 'Deleted.' } },
    errors: [404],
  }),
};
