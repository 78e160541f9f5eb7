import { createEmailInputSchema, createEmails, createTenant } from '@postdate/domain';
import { useTestDatabase } from '@postdate/db/testing';

// Creating an email costs a fixed number of SQL statements however many recipients it has: recipients
// are written in one multi-row INSERT, never one INSERT each. Counted through Prisma's query events.

const t = useTestDatabase();
let tenantId: bigint;

beforeAll(async () => {
  tenantId = (await createTenant(t.db, 'query-count')).tenantId;
});

const schema = createEmailInputSchema();

async function statementsToCreate(recipients: number, idempotencyKey: string): Promise<string[]> {
  const input = schema.parse({
    from: 'sender@acme.test',
    to: Array.from({ length: recipients }, (_, i) => `user${i}@example.com`),
    subject: 'hello',
    text: 'hi',
  });
  t.issued.length = 0;
  const result = await createEmails(t.db, { tenantId, emails: [{ idempotencyKey, input }], now: new Date(), enqueueHorizonSeconds: 3600 });
  expect(result.created[0]!.email.recipients).toHaveLength(recipients);
  return [...t.issued];
}

test('one email with 1 recipient and one with 50 recipients issue the same number of statements', async () => {
  const one = await statementsToCreate(1, 'count-1');
  const fifty = await statementsToCreate(50, 'count-50');
  expect(fifty).toHaveLength(one.length);
});

/** "INSERT recipient", "SELECT scheduled_email", "COMMIT"…: the verb and the first table a statement names. */
function kindOf(sql: string): string {
  const verb = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? sql;
  if (verb === 'WITH') return `WITH ${/^\s*WITH\s+(\w+)/i.exec(sql)?.[1]}`;
  const table = /\b(?:INTO|FROM|UPDATE)\s+(?:"public"\.)?"?(\w+)"?/i.exec(sql)?.[1];
  return table ? `${verb} ${table}` : verb;
}

test('creating one email issues exactly three statements and a commit: a regression in the write path shows here', async () => {
  const issued = (await statementsToCreate(50, 'count-exact')).map(kindOf);
  // In one interactive transaction: the email and its 50 recipients in one statement (CTEs over unnest
  // arrays), the quota charge for what was written, and its email.scheduled event (the outbox).
  expect(issued).toEqual(['WITH request', 'WITH quota', 'WITH new_event', 'COMMIT']);
});

test('a replay reads the stored email back instead of charging the quota, still independent of recipients', async () => {
  const issued = (await statementsToCreate(50, 'count-exact')).map(kindOf);
  // The read-back is one SELECT of the email with its recipients aggregated in (its first FROM is theirs).
  expect(issued).toEqual(['WITH request', 'SELECT recipient', 'COMMIT']);
});
