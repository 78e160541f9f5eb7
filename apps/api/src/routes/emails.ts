import { Router } from 'express';
import { z } from 'zod';
import { inTransaction } from '@postdate/db';
import { createEmailInputSchema, createEmails, findEmail, listEmails, parseEmailId, toEmailView } from '@postdate/domain';
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
  const inputSchema = createEmailInputSchema({ maxRecipients: ctx.config.MAX_RECIPIENTS, maxScheduleDays: ctx.config.MAX_SCHEDULE_DAYS });

  router.post('/', async (req, res) => {
    const { tenantId } = principalOf(req);
    const idempotencyKey = validate(idempotencyKeySchema, req.get('idempotency-key'), 'Idempotency-Key header');
    const input = validate(inputSchema, req.body);
    const result = await inTransaction(ctx.db, (tx) =>
      createEmails(tx, {
        tenantId,
        emails: [{ ...(idempotencyKey ? { idempotencyKey } : {}), input }],
        now: new Date(),
        enqueueHorizonSeconds: ctx.config.ENQUEUE_HORIZON_SECONDS,
      }),
    );
    await scheduleAfterCommit(ctx, result.toEnqueue);
    const { email, replayed } = result.created[0]!;
    if (replayed) {
      res.status(200).set('Idempotent-Replayed', 'true').json(toEmailView(email));
      return;
    }
    ctx.metrics.emailsCreated.inc();
    req.log.info({ emailId: email.id.toString() }, 'email scheduled');
    res.status(201).location(`/v1/emails/${email.id}`).json(toEmailView(email));
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
