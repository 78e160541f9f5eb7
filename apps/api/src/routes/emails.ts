import { Router } from 'express';
import { z } from 'zod';
import { inTransaction } from '@postdate/db';
import {
  cancelEmail,
  createEmails,
  findEmail,
  idempotencyKeySchema,
  listEmails,
  parseEmailId,
  removeRecipient,
  toEmailView,
  updateEmail,
  ValidationFailedError,
} from '@postdate/domain';
import type { ApiContext } from '../api-context';
import { principalOf } from '../middleware/authenticate';
import { reply } from '../openapi/api-operation';
import { scheduleAfterCommit } from '../schedule-after-commit';
import { validate } from '../validate';
import { emailOperations, listEmailsQuerySchema, recipientAddressSchema } from './email-operations';

export function emailRoutes(ctx: ApiContext): Router {
  const router = Router();
  const op = emailOperations(ctx.config);
  const inputSchema = op.create.request.body;
  const patchSchema = op.update.request.body;
  // The batch's own shape first, then each item alone (op.batch's item schema), so that an error names emails[i].
  const batchSchema = z.strictObject({
    emails: z
      .array(z.looseObject({}))
      .min(1, 'emails needs at least one email')
      .max(ctx.config.MAX_BATCH_SIZE, `at most ${ctx.config.MAX_BATCH_SIZE} emails per batch`),
  });
  const batchItemSchema = op.batch.request.body.shape.emails.element;
  const reload = async (tenantId: bigint, id: bigint) => toEmailView(await findEmail(ctx.db, tenantId, id));

  router.post('/', async (req, res) => {
    const { tenantId } = principalOf(req);
    const idempotencyKey = validate(idempotencyKeySchema, req.get('idempotency-key'), 'Idempotency-Key header');
    const input = validate(inputSchema, req.body);
    // In an interactive transaction shared with concurrent creates (group commit); the job after commit.
    const outcome = await ctx.createEmail({ tenantId, email: { ...(idempotencyKey ? { idempotencyKey } : {}), input } });
    if ('error' in outcome) throw outcome.error;
    if (outcome.enqueue) await scheduleAfterCommit(ctx, req.log, [outcome.enqueue]);
    const { email, replayed } = outcome;
    if (replayed) {
      reply(res.set('Idempotent-Replayed', 'true'), op.create, 200, toEmailView(email));
      return;
    }
    ctx.metrics.emailsCreated.inc();
    req.log.info({ emailId: email.id.toString() }, 'email scheduled');
    reply(res.location(`/v1/emails/${email.id}`), op.create, 201, toEmailView(email, outcome.suppressed));
  });

  // All or nothing: every item is validated before anything is written, then one statement writes them
  // all, inside a transaction so that an Idempotency-Key mismatch found afterwards undoes the batch.
  router.post('/batch', async (req, res) => {
    const { tenantId } = principalOf(req);
    const { emails } = validate(batchSchema, req.body);
    const items = emails.map((item, index) => {
      const { idempotencyKey, ...input } = validate(batchItemSchema, item, `emails[${index}]`);
      return { ...(idempotencyKey ? { idempotencyKey } : {}), input };
    });
    const recipients = items.reduce((n, { input }) => n + input.to.length + input.cc.length + input.bcc.length, 0);
    if (recipients > ctx.config.MAX_BATCH_RECIPIENTS) {
      throw new ValidationFailedError(`a batch may carry at most ${ctx.config.MAX_BATCH_RECIPIENTS} recipients in all; this one has ${recipients}`, {
        issues: [{ path: 'emails', message: `${recipients} recipients in all (at most ${ctx.config.MAX_BATCH_RECIPIENTS})` }],
      });
    }
    const result = await inTransaction(ctx.db, (tx) =>
      createEmails(tx, { tenantId, emails: items, now: new Date(), enqueueHorizonSeconds: ctx.config.ENQUEUE_HORIZON_SECONDS, senderPolicy: ctx.senderDomains.policy }),
      { timeoutMs: 60_000 },
    );
    await scheduleAfterCommit(ctx, req.log, result.toEnqueue);
    const created = result.created.filter((c) => !c.replayed).length;
    ctx.metrics.emailsCreated.inc(created);
    reply(res, op.batch, created > 0 ? 201 : 200, {
      data: result.created.map((c) => ({ ...toEmailView(c.email, c.suppressed), replayed: c.replayed })),
      created,
      replayed: result.created.length - created,
    });
  });

  router.patch('/:id', async (req, res) => {
    const { tenantId } = principalOf(req);
    const id = parseEmailId(req.params.id);
    const patch = validate(patchSchema, req.body);
    const target = await updateEmail(ctx.db, {
      tenantId,
      id,
      patch,
      now: new Date(),
      enqueueHorizonSeconds: ctx.config.ENQUEUE_HORIZON_SECONDS,
      maxRecipients: ctx.config.MAX_RECIPIENTS,
      senderPolicy: ctx.senderDomains.policy,
    });
    if (target) await scheduleAfterCommit(ctx, req.log, [target]);
    reply(res, op.update, 200, await reload(tenantId, id));
  });

  router.post('/:id/cancel', async (req, res) => {
    const { tenantId } = principalOf(req);
    const id = parseEmailId(req.params.id);
    const changed = await cancelEmail(ctx.db, tenantId, id);
    if (changed) ctx.metrics.emailsCanceled.inc({ reason: 'client' });
    reply(res, op.cancel, 200, await reload(tenantId, id));
  });

  router.delete('/:id/recipients/:address', async (req, res) => {
    const { tenantId } = principalOf(req);
    const id = parseEmailId(req.params.id);
    const address = validate(recipientAddressSchema, req.params.address, 'recipient address');
    const result = await removeRecipient(ctx.db, tenantId, id, address);
    if (result.emailCanceled) ctx.metrics.emailsCanceled.inc({ reason: 'last_recipient_removed' });
    reply(res, op.removeRecipient, 200, await reload(tenantId, id));
  });

  router.get('/', async (req, res) => {
    const { tenantId } = principalOf(req);
    const query = validate(listEmailsQuerySchema, req.query, 'query');
    reply(res, op.list, 200, await listEmails(ctx.db, tenantId, query));
  });

  router.get('/:id', async (req, res) => {
    const { tenantId } = principalOf(req);
    reply(res, op.get, 200, toEmailView(await findEmail(ctx.db, tenantId, parseEmailId(req.params.id))));
  });

  return router;
}
