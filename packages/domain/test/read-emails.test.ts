import { createEmailInputSchema, createEmails, createTenant, findEmail, listEmails, NotFoundError, toEmailView } from '@postdate/domain';
import { useTestDatabase } from '@postdate/db/testing';

// GET, list and replays read emails with their recipients in one raw statement instead of Prisma's
// `include`. What they return must be exactly what Prisma's model read returns: every column, in the
// model's types — so a column added to the schema and not to the read fails here.

const t = useTestDatabase();
const schema = createEmailInputSchema();
let tenantId: bigint;
let otherTenantId: bigint;

const include = { recipients: { orderBy: { id: 'asc' as const } } };

beforeAll(async () => {
  const tenant = async (name: string) => (await createTenant(t.db, name)).tenantId;
  [tenantId, otherTenantId] = [await tenant('reads'), await tenant('reads-other')];
  const emails = [
    {
      idempotencyKey: 'rich',
      input: schema.parse({
        from: 'Sender <sender@acme.test>',
        to: ['Ann <ann@example.com>', 'bob@example.com'],
        cc: ['Cy <cy@example.com>'],
        bcc: ['dee@example.com'],
        replyTo: ['help@acme.test', 'Desk <desk@acme.test>'],
        subject: 'Ünïcödé ✓',
        text: 'plain',
        html: '<p>html</p>',
        headers: { 'X-Campaign': 'autumn' },
        metadata: { order: 42, tags: ['a', 'b'], nested: { ok: true } },
        sendAt: new Date(Date.now() + 7_200_000).toISOString(),
        expiresAfter: 3600,
      }),
    },
    { input: schema.parse({ from: 'sender@acme.test', to: ['solo@example.com'], subject: 'minimal', text: 'x' }) },
    ...Array.from({ length: 22 }, (_, i) => ({
      input: schema.parse({ from: 'sender@acme.test', to: Array.from({ length: 5 }, (_, r) => `u${i}.${r}@example.com`), subject: `bulk ${i}`, text: 'x' }),
    })),
  ];
  await createEmails(t.db, { tenantId, emails, now: new Date(), enqueueHorizonSeconds: 3600 });
  // Columns a create leaves empty: a sent email with its message id, a removed recipient, an error.
  const minimal = await t.db.scheduledEmail.findFirstOrThrow({ where: { tenantId, subject: 'minimal' } });
  await t.db.scheduledEmail.update({
    where: { id: minimal.id },
    data: { status: 'sent', sentAt: new Date(), messageId: '<m@acme.test>', lastError: 'earlier 451', attempts: 2, leaseUntil: new Date() },
  });
  await t.db.recipient.updateMany({ where: { address: 'bob@example.com' }, data: { status: 'removed', smtpResponse: '250 ok' } });
  await createEmails(t.db, { tenantId: otherTenantId, emails: emails.slice(1, 2), now: new Date(), enqueueHorizonSeconds: 3600 });
});

test('findEmail returns what Prisma’s model read returns, column for column', async () => {
  for (const expected of await t.db.scheduledEmail.findMany({ where: { tenantId }, include })) {
    expect(await findEmail(t.db, tenantId, expected.id)).toStrictEqual(expected);
  }
});

test('another tenant’s email and an unknown id are not found', async () => {
  const foreign = await t.db.scheduledEmail.findFirstOrThrow({ where: { tenantId: otherTenantId } });
  await expect(findEmail(t.db, tenantId, foreign.id)).rejects.toThrow(NotFoundError);
  await expect(findEmail(t.db, tenantId, 9_223_372_036_854_775_807n)).rejects.toThrow(NotFoundError);
});

test('a list page renders the same views as the model read, newest first, filtered and paged', async () => {
  const all = await t.db.scheduledEmail.findMany({ where: { tenantId }, include, orderBy: { id: 'desc' } });
  const first = await listEmails(t.db, tenantId, { limit: 20 });
  expect(first.data).toStrictEqual(all.slice(0, 20).map((email) => toEmailView(email)));
  expect(first.nextCursor).toBe(all[19]!.id.toString());
  const rest = await listEmails(t.db, tenantId, { limit: 20, cursor: first.nextCursor! });
  expect(rest).toStrictEqual({ data: all.slice(20).map((email) => toEmailView(email)), nextCursor: null });
  const sent = await listEmails(t.db, tenantId, { limit: 20, status: 'sent' });
  expect(sent.data.map((e) => e.subject)).toEqual(['minimal']);
});

test('a read is one statement, however many emails and recipients it returns', async () => {
  const some = await t.db.scheduledEmail.findFirstOrThrow({ where: { tenantId } });
  t.issued.length = 0;
  await findEmail(t.db, tenantId, some.id);
  expect(t.issued).toHaveLength(1);
  t.issued.length = 0;
  expect((await listEmails(t.db, tenantId, { limit: 20 })).data).toHaveLength(20);
  expect(t.issued).toHaveLength(1);
});
