import { Router } from 'express';
import { deleteDomain, findDomain, listDomains, parseDomainId, registerDomain, toDomainView, verifyDomain, type DkimKeyring } from '@postdate/domain';
import type { ApiContext } from '../api-context';
import { principalOf } from '../middleware/authenticate';
import { reply } from '../openapi/api-operation';
import { validate } from '../validate';
import { domainOperations as op, registerDomainSchema } from './domain-operations';

/**
 * The tenant's sender domains: register, read, verify now, delete. Never a private key in an answer. Mounted
 * only with a keyring (DKIM_ENCRYPTION_KEY): without one no key could be sealed, and no mail signed.
 */
export function domainRoutes(ctx: ApiContext, keyring: DkimKeyring): Router {
  const router = Router();
  const { senderDomains } = ctx;
  const view = (row: Parameters<typeof toDomainView>[0]) =>
    toDomainView(row, { spfInclude: senderDomains.spfInclude, graceHours: senderDomains.policy.graceHours });

  router.post('/', async (req, res) => {
    const { tenantId } = principalOf(req);
    const { name } = validate(registerDomainSchema, req.body);
    const row = await registerDomain(ctx.db, { tenantId, name, keyring });
    req.log.info({ domainId: row.id.toString(), domain: row.name }, 'sender domain registered');
    res.location(`/v1/domains/${row.id}`);
    reply(res, op.register, 201, view(row));
  });

  router.get('/', async (req, res) => {
    const { tenantId } = principalOf(req);
    reply(res, op.list, 200, { data: (await listDomains(ctx.db, tenantId)).map(view) });
  });

  router.get('/:id', async (req, res) => {
    const { tenantId } = principalOf(req);
    reply(res, op.get, 200, view(await findDomain(ctx.db, tenantId, parseDomainId(req.params.id))));
  });

  // Looks the records up now; the answer says what was found of each.
  router.post('/:id/verify', async (req, res) => {
    const { tenantId } = principalOf(req);
    const row = await verifyDomain(ctx.db, tenantId, parseDomainId(req.params.id), senderDomains);
    req.log.info({ domainId: row.id.toString(), domain: row.name, status: row.status, dkim: row.dkimRecordStatus }, 'sender domain checked');
    reply(res, op.verify, 200, view(row));
  });

  router.delete('/:id', async (req, res) => {
    const { tenantId } = principalOf(req);
    await deleteDomain(ctx.db, tenantId, parseDomainId(req.params.id));
    reply(res, op.remove, 204);
  });

  return router;
}
