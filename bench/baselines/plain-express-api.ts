import { Queue } from 'bullmq';
import express from 'express';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { connectDatabase } from '@postdate/db/client';
import { DELIVERY_QUEUE } from '@postdate/queue';

// The API baseline a team would write first for the same design: Express, zod, Prisma, BullMQ. POST
// /v1/emails validates the body, creates the email and its recipients (a nested create) in an interactive
// `$transaction`, and adds the delayed delivery job after the commit. No authentication (the tenant is
// fixed, as in the bare endpoint), no rate limit, no quota, no idempotency, no request log: whatever
// postdate spends beyond this is what those controls and its own design cost.

const db = connectDatabase({ url: process.env.DATABASE_URL!, poolSize: Number(process.env.POOL_SIZE ?? 10) });
const connection = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: null });
const queue = new Queue(DELIVERY_QUEUE, { connection, prefix: process.env.QUEUE_PREFIX! });
const tenantId = BigInt(process.env.TENANT_ID!);

const addresses = z.array(z.email()).max(50);
const emailSchema = z.object({
  from: z.string().min(3).max(998),
  to: addresses.min(1),
  cc: addresses.default([]),
  bcc: addresses.default([]),
  subject: z.string().max(998),
  text: z.string().max(1_000_000).optional(),
  html: z.string().max(1_000_000).optional(),
  headers: z.record(z.string(), z.string()).default({}),
  sendAt: z.iso.datetime({ offset: true }),
});

const app = express();
app.use(express.json({ limit: '2mb' }));

app.post('/v1/emails', async (req, res) => {
  const parsed = emailSchema.safeParse(req.body);
  if (!parsed.success) {
    res.status(400).json({ error: 'invalid request', issues: parsed.error.issues });
    return;
  }
  const input = parsed.data;
  const sendAt = new Date(input.sendAt);
  const recipients = [
    ...input.to.map((address) => ({ address, kind: 'to' as const })),
    ...input.cc.map((address) => ({ address, kind: 'cc' as const })),
    ...input.bcc.map((address) => ({ address, kind: 'bcc' as const })),
  ];
  const email = await db.$transaction(async (tx) =>
    tx.scheduledEmail.create({
      data: {
        tenantId,
        sendAt,
        dueAt: sendAt,
        fromAddress: input.from,
        subject: input.subject,
        textBody: input.text ?? null,
        htmlBody: input.html ?? null,
        headers: input.headers,
        queued: true,
        recipients: { create: recipients },
      },
      include: { recipients: true },
    }),
  );
  await queue.add('deliver', { emailId: email.id.toString(), tenantId: tenantId.toString(), version: email.version }, { delay: Math.max(0, sendAt.getTime() - Date.now()) });
  res.status(201).json({
    id: email.id.toString(),
    status: email.status,
    sendAt: email.sendAt.toISOString(),
    recipients: email.recipients.map((r) => ({ address: r.address, kind: r.kind, status: r.status })),
  });
});

const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.({ type: 'ready' }));
process.on('SIGTERM', () =>
  server.close(() =>
    void Promise.all([queue.close(), db.$disconnect()]).then(() => {
      connection.disconnect();
      process.exit(0);
    }),
  ),
);
