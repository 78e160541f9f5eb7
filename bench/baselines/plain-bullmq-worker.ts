import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { createTransport } from 'nodemailer';
import { connectDatabase } from '@postdate/db/client';
import { DELIVERY_QUEUE, type DeliveryJobData } from '@postdate/queue';

// Baseline: a BullMQ + Prisma deliverer the way most teams write one. One job per email: read the email
// with its recipients (findUnique … include), send it with nodemailer, update it to sent. No row lock, no
// claim, no lease, no fence, no attempt log, no events, no batching: two workers handed the same email
// (a duplicate job, a stalled job re-run) both send it. It consumes the same queue and the same jobs as
// postdate's workers (same prefix, same job data), with the same concurrency and pool sizes.
// Parent → child: nothing; child → parent: {type:'ready'} once connected.

async function main() {
  const db = connectDatabase({ url: process.env.DATABASE_URL!, poolSize: Number(process.env.DATABASE_POOL_SIZE ?? 10) });
  const transporter = createTransport({
    url: process.env.SMTP_URL!,
    pool: true,
    maxConnections: Number(process.env.SMTP_POOL_SIZE ?? 5),
    maxMessages: 1000,
  } as Parameters<typeof createTransport>[0]);
  const connection = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: null });

  const worker = new Worker<DeliveryJobData>(
    DELIVERY_QUEUE,
    async (job) => {
      const email = await db.scheduledEmail.findUnique({ where: { id: BigInt(job.data.emailId) }, include: { recipients: true } });
      if (!email || email.status !== 'scheduled') return;
      const messageId = `<postdate.${email.id}@postdate.test>`;
      const pick = (kind: string) => email.recipients.filter((r) => r.kind === kind && r.status === 'pending').map((r) => r.address);
      await transporter.sendMail({
        messageId,
        from: email.fromAddress,
        to: pick('to'),
        cc: pick('cc'),
        bcc: pick('bcc'),
        subject: email.subject,
        ...(email.textBody !== null ? { text: email.textBody } : {}),
        ...(email.htmlBody !== null ? { html: email.htmlBody } : {}),
        headers: email.headers as Record<string, string>,
      });
      await db.scheduledEmail.update({ where: { id: email.id }, data: { status: 'sent', sentAt: new Date(), messageId, attempts: { increment: 1 } } });
    },
    { connection, prefix: process.env.QUEUE_PREFIX!, concurrency: Number(process.env.WORKER_CONCURRENCY ?? 20) },
  );
  worker.on('failed', (job, error) => process.stderr.write(`job ${job?.id} failed: ${error.message}\n`));
  await worker.waitUntilReady();
  await db.$queryRaw`SELECT 1`;
  process.on('SIGTERM', () => {
    void worker
      .close()
      .then(() => db.$disconnect())
      .then(() => {
        transporter.close();
        connection.disconnect();
        process.exit(0);
      });
  });
  process.send!({ type: 'ready' });
}

main().catch((error) => {
  process.stderr.write(`plain worker failed: ${String(error)}\n`);
  process.exit(1);
});
