import { Router } from 'express';
import { z } from 'zod';
import { inTransaction } from '@postdate/db';
import {
  cancelEmail,
  createEmailInputSchema,
  createEmails,
  findEmail,
  listEmails,
  parseEmailId,
  removeRecipient,
  toEmailView,
  updateEmail,
  updateEmailInputSchema,
} from '@postdate/domain';
import type { ApiContext } from '../api-context';
import { principalOf } from '../middleware/authenticate';
import { scheduleAfterCommit } from '../schedule-after-commit';
import { validate } from '../validate';

const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'Idempotency-Key must be 1–255 printable ASCII characters without spaces')
  .optional();

const listQuerySchema = z.strictObject({
  status: z.enum(['scheduled', 'sending', 'sent', 'failed', 'canceled']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(20).optional(),
});

export function emailRoutes(ctx: ApiContext): Router {
  const router = Router();
  const limits = { maxRecipients: ctx.config.MAX_RECIPIENTS, maxScheduleDays: ctx.config.MAX_SCHEDULE_DAYS };
  const inputSchema = createEmailInputSchema(limits);
  const patchSchema = updateEmailInputSchema(limits);
  const batchSchema = z.strictObject({
    emails: z
      .array(z.object({ idempotencyKey: idempotencyKeySchema }).passthrough())
      .min(1, 'emails needs at least one email')
      .max(ctx.config.MAX_BATCH_SIZE, `at most ${ctx.config.MAX_BATCH_SIZE} emails per batch`),
  });
  const reload = async (tenantId: bigint, id: bigint) => toEmailView(await findEmail(ctx.db, tenantId, id));

  router.post('/', async (req, res) => {
    const { tenantId } = principalOf(req);
    const idempotencyKey = validate(idempotencyKeySchema, req.get('idempotency-key'), 'Idempotency-Key header');
    const input = validate(inputSchema, req.body);
    // One statement, atomic by itself, shared with concurrent creates: no interactive transaction.
    const outcome = await ctx.createEmail({ tenantId, email: { ...(idempotencyKey ? { idempotencyKey } : {}), input } });
    if ('error' in outcome) throw outcome.error;
    if (outcome.enqueue) await scheduleAfterCommit(ctx, req.log, [outcome.enqueue]);
    const { email, replayed } = outcome;
    if (replayed) {
      res.status(200).set('Idempotent-Replayed', 'true').json(toEmailView(email));
      return;
    }
    ctx.metrics.emailsCreated.inc();
    req.log.info({ emailId: email.id.toString() }, 'email scheduled');
    res.status(201).location(`/v1/emails/${email.id}`).json(toEmailView(email));
  });

  // All or nothing: every item is validated before anything is written, then one statement writes them
  // all, inside a transaction so that an Idempotency-Key mismatch found afterwards undoes the batch.
  router.post('/batch', async (req, res) => {
    const { tenantId } = principalOf(req);
    const { emails } = validate(batchSchema, req.body);
    const items = emails.map(({ idempotencyKey, ...rest }, index) => ({
      ...(idempotencyKey ? { idempotencyKey } : {}),
      input: validate(inputSchema, rest, `emails[${index}]`),
    }));
    const result = await inTransaction(ctx.db, (tx) =>
      createEmails(tx, { tenantId, emails: items, now: new Date(), enqueueHorizonSeconds: ctx.config.ENQUEUE_HORIZON_SECONDS }),
      { timeoutMs: 60_000 },
    );
    await scheduleAfterCommit(ctx, req.log, result.toEnqueue);
    const created = result.created.filter((c) => !c.replayed).length;
    ctx.metrics.emailsCreated.inc(created);
    res.status(created > 0 ? 201 : 200).json({
      data: result.created.map((c) => ({ ...toEmailView(c.email), replayed: c.replayed })),
      created,
      replayed: result.created.length - created,
    });
  });

  router.patch('/:id', async (req, res) => {
    const { tenantId } = principalOf(req);
    const id = parseEmailId(req.params.id);
    const patch = validate(patchSchema, req.body);
    const target = await inTransaction(ctx.db, (tx) =>
      updateEmail(tx, { tenantId, id, patch, now: new Date(), enqueueHorizonSeconds: ctx.config.ENQUEUE_HORIZON_SECONDS }),
    );
    if (target) await scheduleAfterCommit(ctx, req.log, [target]);
    res.json(await reload(tenantId, id));
  });

  router.post('/:id/cancel', async (req, res) => {
    const { tenantId } = principalOf(req);
    const id = parseEmailId(req.params.id);
    const changed = await inTransaction(ctx.db, (tx) => cancelEmail(tx, tenantId, id));
    if (changed) ctx.metrics.emailsCanceled.inc({ reason: 'client' });
    res.json(await reload(tenantId, id));
  });

  router.delete('/:id/recipients/:address', async (req, res) => {
    const { tenantId } = principalOf(req);
    const id = parseEmailId(req.params.id);
    const result = await inTransaction(ctx.db, (tx) => removeRecipient(tx, tenantId, id, req.params.address));
    if (result.emailCanceled) ctx.metrics.emailsCanceled.inc({ reason: 'last_recipient_removed' });
    res.json(await reload(tenantId, id));
  });

  router.get('/', async (req, res) => {
    const { tenantId } = principalOf(req);
    const query = validate(listQuerySchema, req.query, 'query');
    res.json(await listEmails(ctx.db, tenantId, query));
  });

  router.get('/:id', async (req, res) => {
    const { tenantId } = principalOf(req);
    res.json(toEmailView(await findEmail(ctx.db, tenantId, parseEmailId(req.params.id))));
  });

  return router;
}
