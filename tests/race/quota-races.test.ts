import { startApi, type RunningApi } from '@postdate/api/start';
import { createLogger } from '@postdate/observability';
import { apiClient, apiConfig, type ApiClient } from '@postdate/test-support';
import { raceScale, startTestStack, type TestStack } from '../support';

// The daily quota under true concurrency: two API processes (each with its own pool and its own batching of
// single creates, so their statements really run in parallel) and many concurrent batches. The quota is
// checked and charged under the lock of the tenant's counter row, for the recipients actually written.

let stack: TestStack;
let second: RunningApi;

beforeAll(async () => {
  stack = await startTestStack({ apiOverrides: { DATABASE_POOL_SIZE: '20' } });
  second = await startApi(apiConfig(stack, { DATABASE_POOL_SIZE: '20' }), createLogger({ level: 'silent', service: 'second-api' }));
});
afterAll(async () => {
  await second?.stop();
  await stack?.close();
});

async function tenantWithQuota(quota: number): Promise<[ApiClient, ApiClient]> {
  const first = await stack.tenant();
  await stack.db.tenant.update({ where: { id: first.tenantId }, data: { dailyRecipientQuota: quota } });
  return [first, apiClient(`http://127.0.0.1:${second.port}`, { key: first.key, tenantId: first.tenantId })];
}

const usage = async (tenantId: bigint) => (await stack.db.quotaUsage.aggregate({ where: { tenantId }, _sum: { recipients: true } }))._sum.recipients ?? 0;
const later = () => new Date(Date.now() + 3_600_000).toISOString();

test('quota 1: twenty identical keyed creates through two API processes, twenty times over → one 201, nineteen replays, 1 charged', async () => {
  const outcomes: string[] = [];
  for (let round = 0; round < 20 * raceScale; round++) {
    const [viaFirst, viaSecond] = await tenantWithQuota(1);
    const body = { from: 'a@acme.test', to: ['once@example.com'], text: 'hi', sendAt: later() };
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? viaSecond : viaFirst).request('POST', '/v1/emails', body, { 'Idempotency-Key': `round-${round}` })),
    );
    const statuses = answers.map((a) => a.status);
    const summary = `201×${statuses.filter((s) => s === 201).length} 200×${statuses.filter((s) => s === 200).length} other:${statuses.filter((s) => s !== 200 && s !== 201).join(',') || '-'} usage ${await usage(viaFirst.tenantId)}`;
    outcomes.push(summary);
  }
  expect(outcomes.filter((o) => o !== '201×1 200×19 other:- usage 1')).toEqual([]);
});

test('room for 50: 100 concurrent one-email batches admit exactly 50, whichever process serves them', async () => {
  const [viaFirst, viaSecond] = await tenantWithQuota(50);
  const answers = await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      (i % 2 ? viaSecond : viaFirst).request('POST', '/v1/emails/batch', { emails: [{ from: 'a@acme.test', to: [`b${i}@example.com`], text: 'x', sendAt: later() }] }),
    ),
  );
  const statuses = answers.map((a) => a.status);
  expect({ created: statuses.filter((s) => s === 201).length, refused: statuses.filter((s) => s === 429).length }).toEqual({ created: 50, refused: 50 });
  expect(await usage(viaFirst.tenantId)).toBe(50);
  expect(await stack.db.scheduledEmail.count({ where: { tenantId: viaFirst.tenantId } })).toBe(50);
});

test('room for 50: 100 concurrent single creates split across two processes admit exactly 50', async () => {
  const [viaFirst, viaSecond] = await tenantWithQuota(50);
  const answers = await Promise.all(
    Array.from({ length: 100 }, (_, i) => (i % 2 ? viaSecond : viaFirst).request('POST', '/v1/emails', { from: 'a@acme.test', to: [`s${i}@example.com`], text: 'x', sendAt: later() })),
  );
  const statuses = answers.map((a) => a.status);
  expect({ created: statuses.filter((s) => s === 201).length, refused: statuses.filter((s) => s === 429).length }).toEqual({ created: 50, refused: 50 });
  expect(await usage(viaFirst.tenantId)).toBe(50);
});
