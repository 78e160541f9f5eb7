import { createDeliveryStatements, createEmailInputSchema, createEmails, createTenant, type ClaimResult } from '@postdate/domain';
import { useTestDatabase } from '@postdate/db/testing';

// Batch poison, in the form batching could bring it back: a worker's concurrent deliveries share their claim
// and sent-record statements, so one email the statement cannot serve must not fail the others. A failed
// batch rolls back whole (each statement runs in its own transaction) and is run again request by request:
// only the guilty one pays.

const t = useTestDatabase({ poolSize: 4 });
let tenantId: bigint;
const schema = createEmailInputSchema();

beforeAll(async () => {
  tenantId = (await createTenant(t.db, 'poison')).tenantId;
  // Test-only faults. An email listed in poisoned_email cannot be recorded as sent (a constraint its data
  // breaks, say); the first delivery_attempt insert after cut_armed is set terminates its own connection.
  await t.db.$executeRaw`CREATE TABLE poisoned_email (email_id bigint PRIMARY KEY)`;
  await t.db.$executeRaw`
    CREATE FUNCTION refuse_poisoned_sent() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.status = 'sent' AND EXISTS (SELECT 1 FROM poisoned_email WHERE email_id = NEW.id) THEN
        RAISE EXCEPTION 'email % cannot be recorded as sent', NEW.id;
      END IF;
      RETURN NEW;
    END $$`;
  await t.db.$executeRaw`CREATE TRIGGER refuse_poisoned_sent BEFORE UPDATE ON scheduled_email FOR EACH ROW EXECUTE FUNCTION refuse_poisoned_sent()`;
  // A sequence, not a table: nextval survives the rollback of the transaction whose connection it cuts.
  await t.db.$executeRaw`CREATE SEQUENCE cut_countdown MINVALUE -1000 START -1000`;
  await t.db.$executeRaw`
    CREATE FUNCTION cut_connection_once() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF nextval('cut_countdown') = 0 THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF;
      RETURN NEW;
    END $$`;
  await t.db.$executeRaw`CREATE TRIGGER cut_connection_once AFTER INSERT ON delivery_attempt FOR EACH ROW EXECUTE FUNCTION cut_connection_once()`;
});

async function dueEmails(count: number, prefix: string) {
  const emails = Array.from({ length: count }, (_, i) => ({ input: schema.parse({ from: 's@acme.test', to: [`${prefix}${i}@example.com`], text: 'x' }) }));
  const { created } = await createEmails(t.db, { tenantId, emails, now: new Date(), enqueueHorizonSeconds: 3600 });
  return created.map((c) => ({ emailId: c.email.id, tenantId, version: c.email.version, messageId: `<postdate.${c.email.id}@postdate.test>` }));
}

const statements = () => createDeliveryStatements(t.db, { workerId: 'poison-test', leaseSeconds: 60 }, { maxBatchSize: 50, maxInFlight: 1, maxWaitMs: 20 });

test('one email whose sent-record fails does not fail the batch: the others are recorded once', async () => {
  const batched = statements();
  const emails = await dueEmails(12, 'poison-sent-');
  const claims = await Promise.all(emails.map((e) => batched.claim(e)));
  const guilty = emails[5]!.emailId;
  await t.db.$executeRaw`INSERT INTO poisoned_email VALUES (${guilty})`;

  const recorded = await Promise.all(
    claims.map((claim) => {
      if (claim.kind !== 'claimed') throw new Error(`not claimed: ${claim.kind}`);
      const { emailId, attempt } = claim.email;
      return batched.markSent({ emailId, attempt, response: '250 ok', recipients: [] }).then(String, (error: Error) => error.message);
    }),
  );
  expect(recorded.filter((r) => r === 'true')).toHaveLength(11);
  expect(recorded[5]).toMatch(/cannot be recorded as sent/);
  const rows = await t.db.scheduledEmail.findMany({ where: { id: { in: emails.map((e) => e.emailId) } }, select: { id: true, status: true } });
  expect(rows.filter((r) => r.status === 'sent')).toHaveLength(11);
  expect(rows.find((r) => r.id === guilty)?.status).toBe('sending');
});

test('a connection cut in the middle of a batched claim: every email is claimed exactly once by the retries alone', async () => {
  const batched = statements();
  const emails = await dueEmails(10, 'cut-claim-');
  // Arm the fault: the next delivery_attempt insert (inside the batched claim) kills its own connection.
  await t.db.$executeRaw`SELECT setval('cut_countdown', -1)`;
  const results: ClaimResult[] = await Promise.all(emails.map((e) => batched.claim(e)));
  expect(results.map((r) => r.kind)).toEqual(Array(10).fill('claimed'));
  const attempts = await t.db.deliveryAttempt.groupBy({ by: ['emailId'], where: { emailId: { in: emails.map((e) => e.emailId) } }, _count: true });
  expect(attempts.map((a) => a._count)).toEqual(Array(10).fill(1));
  expect(Number((await t.db.$queryRaw<{ last_value: bigint }[]>`SELECT last_value FROM cut_countdown`)[0]!.last_value)).toBeGreaterThanOrEqual(0);
});
