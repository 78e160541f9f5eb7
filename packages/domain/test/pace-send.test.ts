import { createTenant, deliverEmail, type DeliveryContext } from '@postdate/domain';
import { useTestDatabase } from '@postdate/db/testing';
import { oneDeliveryContext, scheduleOne } from './one-delivery';
import { recordingTransport } from './recording-transport';

// SMTP_MAX_PER_SECOND's wait comes after the claim, with the lease running unrenewed: a wait that does not
// end is cut at a third of the lease and the lease renewed before any send; a pacer that fails lets the
// send go; an email taken back while its send waited is not sent.

const t = useTestDatabase({ poolSize: 4 });
const { transport, sent } = recordingTransport();
let tenantId: bigint;

beforeAll(async () => {
  tenantId = (await createTenant(t.db, 'pace')).tenantId;
});

function context(paceSend: () => Promise<void>): DeliveryContext {
  return { ...oneDeliveryContext(t.db, { workerId: 'pace-test', leaseSeconds: 3, transport }), paceSend };
}

const scheduled = (subject: string) => scheduleOne(t.db, tenantId, subject);

const never = () => new Promise<void>(() => undefined);

test('a pacer that never answers is cut at a third of the lease; the lease, still ours (renewal fenced, next test), and the email sent', async () => {
  const job = await scheduled('stalled pacer');
  const started = performance.now();
  const outcome = await deliverEmail(context(never), job);
  expect(outcome.outcome).toBe('sent');
  expect(performance.now() - started).toBeGreaterThanOrEqual(950);
  expect(sent.filter((m) => m.subject === 'stalled pacer')).toHaveLength(1);
});

test('an email taken back while its send waited for a slot is not sent', async () => {
  const job = await scheduled('taken back');
  const outcome = await deliverEmail(
    context(async () => {
      // The sweeper's lease recovery, as it would act on a lapsed lease.
      await t.db.$executeRaw`UPDATE scheduled_email SET status = 'scheduled', lease_until = NULL WHERE id = ${BigInt(job.emailId)}`;
      await never();
    }),
    job,
  );
  expect(outcome.outcome).toBe('lost_claim');
  expect(sent.filter((m) => m.subject === 'taken back')).toHaveLength(0);
});

test('a pacer that fails lets the send go, its attempt not spent on it', async () => {
  const job = await scheduled('pacer down');
  const outcome = await deliverEmail(context(() => Promise.reject(new Error('CLUSTERDOWN'))), job);
  expect(outcome).toMatchObject({ outcome: 'sent', attempt: 1 });
  expect(sent.filter((m) => m.subject === 'pacer down')).toHaveLength(1);
});
