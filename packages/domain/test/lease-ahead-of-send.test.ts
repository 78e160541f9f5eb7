import { createSenderDomains, createTenant, deliverEmail, type DeliveryContext, type DeliveryStatements } from '@postdate/domain';
import { useTestDatabase } from '@postdate/db/testing';
import type { MailTransport } from '@postdate/mail';
import { oneDeliveryContext, scheduleOne } from './one-delivery';
import { recordingTransport } from './recording-transport';

// A send starts only with most of its lease ahead of it. Here the sender check, right after the claim,
// meets dropped connections and is retried for longer than a third of the lease: the lease is renewed
// before the send (so the send and its record have a whole lease), and an email taken back meanwhile is
// not sent at all. Before, the send went out on what was left, and a record that could not land in time
// was followed by the sweeper sending the email again.

const LEASE_SECONDS = 6;
const t = useTestDatabase({ poolSize: 4 });
const { transport, sent } = recordingTransport();
let tenantId: bigint;

beforeAll(async () => {
  tenantId = (await createTenant(t.db, 'lease-ahead')).tenantId;
});

/** A sender lookup whose first `drops` tries fail as a terminated connection does, `onDrop` run at each. */
function droppingLookups(statements: DeliveryStatements, drops: number, onDrop: () => Promise<void> = async () => undefined): DeliveryStatements {
  let dropped = 0;
  return {
    ...statements,
    async senderDomain(request) {
      if (dropped < drops) {
        dropped++;
        await onDrop();
        throw new Error('Connection terminated unexpectedly');
      }
      return statements.senderDomain(request);
    },
  };
}

function context(lookupDrops: number, sendThrough: MailTransport, onDrop?: () => Promise<void>): DeliveryContext {
  const ctx = oneDeliveryContext(t.db, { workerId: 'lease-ahead', leaseSeconds: LEASE_SECONDS, transport: sendThrough });
  return {
    ...ctx,
    statements: droppingLookups(ctx.statements, lookupDrops, onDrop),
    // A keyring makes the claim look the sender's domain up (to sign with it), so the lookup runs.
    senderDomains: createSenderDomains({ required: false, graceHours: 72, encryptionKey: Buffer.alloc(32, 5), resolveTxt: async () => [] }),
  };
}

const scheduled = (subject: string) => scheduleOne(t.db, tenantId, subject);

/** Seconds of lease the database holds for the email right now. */
async function leaseLeft(emailId: string): Promise<number> {
  const [row] = await t.db.$queryRaw<{ left: number }[]>`
    SELECT extract(epoch FROM lease_until - clock_timestamp())::float8 AS left FROM scheduled_email WHERE id = ${BigInt(emailId)}`;
  return row!.left;
}

test('a send that would start on a third-spent lease renews it first, and goes out with a whole lease ahead', async () => {
  const job = await scheduled('late start');
  let leftAtSend = 0;
  const measuring: MailTransport = {
    ...transport,
    async send(message) {
      leftAtSend = await leaseLeft(job.emailId);
      return transport.send(message);
    },
  };
  // Four drops: retried after 0.2, 0.4, 0.8 and 1.6 s, so the send is ready 3 s into a 6 s lease (the
  // retries may go on until 5 s: room for a slow machine).
  const outcome = await deliverEmail(context(4, measuring), job);
  expect(outcome.outcome).toBe('sent');
  expect(leftAtSend).toBeGreaterThan(LEASE_SECONDS - 0.5);
  expect(sent.filter((m) => m.subject === 'late start')).toHaveLength(1);
});

test('an email taken back while its claim was held up is not sent', async () => {
  const job = await scheduled('taken back');
  const outcome = await deliverEmail(
    context(4, transport, async () => {
      // The sweeper's lease recovery, as it would act on a lapsed lease.
      await t.db.$executeRaw`UPDATE scheduled_email SET status = 'scheduled', lease_until = NULL WHERE id = ${BigInt(job.emailId)}`;
    }),
    job,
  );
  expect(outcome.outcome).toBe('lost_claim');
  expect(sent.filter((m) => m.subject === 'taken back')).toHaveLength(0);
});
