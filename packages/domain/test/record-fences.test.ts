import {
  claimForDelivery,
  createEmailInputSchema,
  createEmails,
  createTenant,
  markFailed,
  markSent,
  recoverExpiredLeases,
  scheduleRetry,
  type DeliveryPolicy,
} from '@postdate/domain';
import { useTestDatabase } from '@postdate/db/testing';

// Every write that records a send is fenced on BOTH halves: status = 'sending' AND attempts = <mine>. A real
// lease recovery leaves `attempts` alone and sets the status back (or to failed), so each half is needed:
// these tests take a claim away with the sweeper's own recovery and check that the old holder's records
// change nothing. And each record recognises its own earlier commit, so a retry after a lost answer is
// neither a lost claim nor a second write.

const t = useTestDatabase({ poolSize: 4 });
let tenantId: bigint;
const schema = createEmailInputSchema();
const policy = (leaseRecovery: DeliveryPolicy['leaseRecovery']): DeliveryPolicy => ({
  leaseSeconds: 1,
  maxSendSeconds: 600,
  maxAttempts: 8,
  retryBaseSeconds: 30,
  retryMaxSeconds: 3600,
  leaseRecovery,
});

beforeAll(async () => {
  tenantId = (await createTenant(t.db, 'fences')).tenantId;
});

/** A due email, claimed with a one-second lease. */
async function claimed(address: string) {
  const input = schema.parse({ from: 'sender@acme.test', to: [address], subject: 'fence', text: 'hi' });
  const { created } = await createEmails(t.db, { tenantId, emails: [{ input }], now: new Date(), enqueueHorizonSeconds: 3600 });
  const email = created[0]!.email;
  const [claim] = await claimForDelivery(t.db, { workerId: 'old-holder', leaseSeconds: 1 }, [
    { emailId: email.id, tenantId, version: email.version, messageId: `<postdate.${email.id}@postdate.test>` },
  ]);
  if (claim?.kind !== 'claimed') throw new Error(`not claimed: ${JSON.stringify(claim)}`);
  return claim.email;
}

/** Lets every lease run out, then runs the sweeper's real recovery; returns what it did to `emailId`. */
async function recoverAfterExpiry(mode: DeliveryPolicy['leaseRecovery'], emailId: bigint) {
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  const recovery = await recoverExpiredLeases(t.db, policy(mode), 100);
  expect([...recovery.rescheduled.map((r) => BigInt(r.emailId)), ...recovery.failed]).toContain(emailId);
}

const rowOf = (id: bigint) =>
  t.db.scheduledEmail.findUniqueOrThrow({ where: { id }, select: { status: true, attempts: true, failureReason: true, sentAt: true, leaseUntil: true } });

describe.each(['at-least-once', 'at-most-once'] as const)('after a real lease recovery (%s)', (mode) => {
  test('the old holder can record nothing: sent, failed and retry are all refused and change nothing', async () => {
    const email = await claimed(`fence-${mode}@example.com`);
    await recoverAfterExpiry(mode, email.emailId);
    const recovered = await rowOf(email.emailId);
    expect(recovered.status).toBe(mode === 'at-least-once' ? 'scheduled' : 'failed');
    expect(recovered.attempts).toBe(email.attempt);

    const stale = { emailId: email.emailId, attempt: email.attempt };
    expect(await markSent(t.db, [{ ...stale, response: '250 ok', recipients: [] }])).toEqual([false]);
    expect(await markFailed(t.db, { ...stale, reason: 'smtp_rejected', error: '550 no' })).toBe(false);
    expect(await scheduleRetry(t.db, { ...stale, delaySeconds: 30, error: '451 later', horizonSeconds: 3600 })).toEqual({ fenced: false });
    expect(await rowOf(email.emailId)).toEqual(recovered);
  });
});

test('a retried failed-record finds its own earlier commit: fenced, not a lost claim, nothing written twice', async () => {
  const email = await claimed('failed-twice@example.com');
  const request = { emailId: email.emailId, attempt: email.attempt, reason: 'smtp_rejected' as const, error: '550 no such user' };
  expect(await markFailed(t.db, request)).toBe(true);
  const first = await rowOf(email.emailId);
  expect(await markFailed(t.db, request)).toBe(true);
  expect(await rowOf(email.emailId)).toEqual(first);
});

test('a retried retry-record finds its own earlier commit and still returns the job to add', async () => {
  const email = await claimed('retried-twice@example.com');
  const request = { emailId: email.emailId, attempt: email.attempt, delaySeconds: 30, error: '451 try later', horizonSeconds: 3600 };
  const first = await scheduleRetry(t.db, request);
  expect(first).toMatchObject({ fenced: true, enqueue: { emailId: email.emailId.toString(), attempts: email.attempt } });
  const again = await scheduleRetry(t.db, request);
  expect(again).toEqual(first);
});

test('a retried sent-record finds its own earlier commit', async () => {
  const email = await claimed('sent-twice@example.com');
  const request = { emailId: email.emailId, attempt: email.attempt, response: '250 ok', recipients: [] };
  expect(await markSent(t.db, [request])).toEqual([true]);
  expect(await markSent(t.db, [request])).toEqual([true]);
});
