import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Pool } from 'pg';
import { createStatementBatcher, runInDistinctRounds } from '@postdate/domain';
import { messageIdFor } from '@postdate/mail';
import { createSmtpTransport } from '@postdate/mail/smtp';
import { DELIVERY_QUEUE, type DeliveryJobData } from '@postdate/queue';
import { claimBatch, markSentBatch, type FloorClaimRequest, type FloorSentRequest } from './durable-floor-statements';

// Baseline, the durable floor: postdate's own delivery protocol — claim (lock, fence, lease, attempt log),
// send with nothing held, record fenced on the attempt with its event in the outbox — with claims and
// records grouped across a process's concurrent deliveries by postdate's own statement batcher, the same
// batch size, wait and statements in flight, over postdate's SMTP transport (nodemailer), through
// node-postgres instead of Prisma. What postdate's worker spends beyond this is Prisma, its app plumbing
// (job validation, logging, metrics, the sender check) and whatever its SQL does that this skips.
// Child → parent: {type:'ready'} once connected.

const LEASE_SECONDS = 120;
// As the worker app: per kind of statement, leaving most of the pool to everything else.
const STATEMENTS_IN_FLIGHT = 2;

async function main() {
  const workerId = process.env.WORKER_ID ?? `floor-${process.pid}`;
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });
  const transport = createSmtpTransport({ url: process.env.SMTP_URL!, poolSize: Number(process.env.SMTP_POOL_SIZE ?? 5), timeoutMs: 30_000 });
  const batching = {
    maxBatchSize: Number(process.env.DELIVERY_BATCH_SIZE ?? 50),
    maxInFlight: STATEMENTS_IN_FLIGHT,
    maxWaitMs: Number(process.env.DELIVERY_BATCH_WAIT_MS ?? 10),
  };
  const byEmail = (request: { emailId: string }) => request.emailId;
  const claim = createStatementBatcher(
    (requests: FloorClaimRequest[]) => runInDistinctRounds(requests, byEmail, (round) => claimBatch(pool, workerId, LEASE_SECONDS, round)),
    batching,
  );
  const markSent = createStatementBatcher(
    (requests: FloorSentRequest[]) => runInDistinctRounds(requests, byEmail, (round) => markSentBatch(pool, round)),
    batching,
  );
  const connection = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: null });

  const worker = new Worker<DeliveryJobData>(
    DELIVERY_QUEUE,
    async (job) => {
      const { emailId, tenantId, version } = job.data;
      const email = await claim({ emailId, tenantId, version, messageId: messageIdFor(emailId, 'postdate.test') });
      if (!email) return; // duplicate, stale or early job: nothing to send
      const pick = (kind: string) => email.recipients.filter((r) => r.kind === kind).map((r) => r.address);
      const result = await transport.send({
        messageId: email.message_id,
        from: email.from_address,
        replyTo: email.reply_to ?? [],
        to: pick('to'),
        cc: pick('cc'),
        bcc: pick('bcc'),
        subject: email.subject,
        ...(email.text_body !== null ? { text: email.text_body } : {}),
        ...(email.html_body !== null ? { html: email.html_body } : {}),
        headers: email.headers,
      });
      const fenced = await markSent({ emailId, attempt: email.attempts, response: result.response, recipients: email.recipients });
      if (!fenced) throw new Error(`lost the claim on email ${emailId}`);
    },
    { connection, prefix: process.env.QUEUE_PREFIX!, concurrency: Number(process.env.WORKER_CONCURRENCY ?? 20) },
  );
  worker.on('failed', (job, error) => process.stderr.write(`job ${job?.id} failed: ${error.message}\n`));
  await worker.waitUntilReady();
  await pool.query('SELECT 1');
  process.on('SIGTERM', () => {
    void worker
      .close()
      .then(() => pool.end())
      .then(() => {
        transport.close();
        connection.disconnect();
        process.exit(0);
      });
  });
  process.send!({ type: 'ready' });
}

main().catch((error) => {
  process.stderr.write(`durable floor worker failed: ${String(error)}\n`);
  process.exit(1);
});
