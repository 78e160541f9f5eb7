import { useTestDatabase } from '@postdate/db/testing';
import {
  claimWebhooks,
  createEmailInputSchema,
  createEmails,
  createTenant,
  createWebhookEndpoint,
  createWebhookStatements,
  dispatchWebhook,
  findOverdueWebhooks,
  promoteDueWebhooks,
  recordWebhookAttempts,
  recoverWebhookLeases,
  type WebhookDispatchContext,
  type WebhookPolicy,
  type WebhookTarget,
} from '@postdate/domain';
import { webhookJobId } from '@postdate/queue';
import type { WebhookMessage, WebhookResponse, WebhookSender } from '@postdate/webhook';

// The dispatch protocol step by step on a real database, with a sender stub that records what it was asked
// to POST and answers what the test says: promote, claim, record (fenced, recognising its own commit), the
// retry schedule, lease recovery, the overdue scan, and the endpoint's health (failing_since, disable).

const t = useTestDatabase({ poolSize: 4 });
const rules = { allowHttp: true, allowPrivate: true };
const policy: WebhookPolicy = { leaseSeconds: 30, retryScheduleSeconds: [1, 2], disableAfterHours: 1 };
let tenantId: bigint;

/** A sender that answers each POST with the next reply given (default 200) and keeps every message. */
function stubSender() {
  const sent: WebhookMessage[] = [];
  const replies: WebhookResponse[] = [];
  const sender: WebhookSender = {
    async send(message) {
      sent.push(message);
      return replies.shift() ?? { kind: 'answered', statusCode: 200, body: 'ok', durationMs: 3 };
    },
  };
  return { sender, sent, replies };
}

function dispatcher(sender: WebhookSender): WebhookDispatchContext {
  const statements = createWebhookStatements(t.db, { workerId: 'test', leaseSeconds: policy.leaseSeconds, disableAfterHours: policy.disableAfterHours }, { maxBatchSize: 10, maxInFlight: 2 });
  return { statements, sender, policy };
}

const asJob = (target: WebhookTarget) => ({ deliveryId: target.deliveryId, createdAt: target.createdAt.getTime(), attempts: target.attempts });

async function endpointWithEvent(events: string[] = ['email.scheduled']) {
  const endpoint = await createWebhookEndpoint(t.db, tenantId, { url: 'http://127.0.0.1:9/hook', events: events as never, enabled: true }, rules);
  const input = createEmailInputSchema().parse({ from: 's@acme.test', to: ['a@example.com'], text: 'x', sendAt: new Date(Date.now() + 3_600_000).toISOString() });
  const { created } = await createEmails(t.db, { tenantId, emails: [{ input }], now: new Date(), enqueueHorizonSeconds: 60 });
  const delivery = await t.db.webhookDelivery.findFirstOrThrow({ where: { endpointId: BigInt(endpoint.id) }, include: { event: true } });
  return { endpoint, email: created[0]!.email, delivery };
}

/** Promotes everything due and returns this delivery's job target. */
async function promoted(deliveryId: bigint): Promise<WebhookTarget> {
  const targets = await promoteDueWebhooks(t.db, 1000);
  const target = targets.find((x) => x.deliveryId === deliveryId.toString());
  if (!target) throw new Error(`delivery ${deliveryId} was not promoted`);
  return target;
}

const deliveryRow = (id: bigint) => t.db.webhookDelivery.findUniqueOrThrow({ where: { id } });
const attemptRows = (id: bigint) => t.db.webhookAttempt.findMany({ where: { deliveryId: id }, orderBy: { attempt: 'asc' } });

beforeAll(async () => {
  tenantId = (await createTenant(t.db, 'webhooks')).tenantId;
});

test('a due delivery is promoted once, claimed once, POSTed with the event as body and its id as webhook-id, and recorded delivered', async () => {
  const { endpoint, delivery } = await endpointWithEvent();
  const target = await promoted(delivery.id);
  expect(await promoteDueWebhooks(t.db, 1000)).toEqual([]);
  const { sender, sent } = stubSender();
  const outcome = await dispatchWebhook(dispatcher(sender), asJob(target));
  expect(outcome).toMatchObject({ outcome: 'delivered', attempt: 1, statusCode: 200 });

  const eventId = `evt_${delivery.event.publicId.replace(/-/g, '')}`;
  expect(sent).toHaveLength(1);
  expect(sent[0]).toMatchObject({ url: 'http://127.0.0.1:9/hook', id: eventId, secrets: [endpoint.secret] });
  const body = JSON.parse(sent[0]!.body);
  expect(body).toEqual({ type: 'email.scheduled', timestamp: delivery.event.createdAt.toISOString(), data: expect.objectContaining({ id: eventId, object: 'event', type: 'email.scheduled', sequence: 1 }) });

  expect(await deliveryRow(delivery.id)).toMatchObject({ status: 'delivered', attempts: 1, queued: false, leaseUntil: null, lastStatusCode: 200 });
  expect(await attemptRows(delivery.id)).toEqual([expect.objectContaining({ attempt: 1, workerId: 'test', statusCode: 200, responseBody: 'ok', durationMs: 3, outcome: 'delivered' })]);
  const row = await t.db.webhookEndpoint.findUniqueOrThrow({ where: { id: BigInt(endpoint.id) } });
  expect(row.lastSuccessAt).not.toBeNull();

  // The same job again (a duplicate in Redis, a BullMQ stall): the claim ends it, nothing is POSTed.
  expect(await dispatchWebhook(dispatcher(sender), asJob(target))).toEqual({ outcome: 'skipped', reason: 'stale_job' });
  expect(sent).toHaveLength(1);
});

test('a failed POST goes back to pending on the schedule, unqueued, until the schedule is spent; the body is cut at 1 KiB', async () => {
  const { endpoint, delivery } = await endpointWithEvent();
  const { sender, sent, replies } = stubSender();
  replies.push({ kind: 'answered', statusCode: 503, body: 'x'.repeat(5000), durationMs: 7 }, { kind: 'failed', error: 'connect ECONNREFUSED', durationMs: 1 }, { kind: 'answered', statusCode: 500, body: '', durationMs: 2 });

  const first = await dispatchWebhook(dispatcher(sender), asJob(await promoted(delivery.id)));
  expect(first).toMatchObject({ outcome: 'retry_scheduled', attempt: 1, statusCode: 503, retryDelaySeconds: 1 });
  const waiting = await deliveryRow(delivery.id);
  expect(waiting).toMatchObject({ status: 'pending', attempts: 1, queued: false, lastStatusCode: 503 });
  expect(waiting.dueAt.getTime()).toBeGreaterThan(Date.now() + 200);
  expect(await promoteDueWebhooks(t.db, 1000)).toEqual([]); // not due yet: no job
  expect((await attemptRows(delivery.id))[0]!.responseBody).toHaveLength(1024);
  const failingSince = (await t.db.webhookEndpoint.findUniqueOrThrow({ where: { id: BigInt(endpoint.id) } })).failingSince;
  expect(failingSince).not.toBeNull();

  await t.db.webhookDelivery.update({ where: { id: delivery.id }, data: { dueAt: new Date(Date.now() - 1000) } });
  expect(await dispatchWebhook(dispatcher(sender), asJob(await promoted(delivery.id)))).toMatchObject({ outcome: 'retry_scheduled', attempt: 2, statusCode: null, retryDelaySeconds: 2, error: 'failed: connect ECONNREFUSED' });
  await t.db.webhookDelivery.update({ where: { id: delivery.id }, data: { dueAt: new Date(Date.now() - 1000) } });
  expect(await dispatchWebhook(dispatcher(sender), asJob(await promoted(delivery.id)))).toMatchObject({ outcome: 'failed', attempt: 3, statusCode: 500 });

  expect(await deliveryRow(delivery.id)).toMatchObject({ status: 'failed', attempts: 3 });
  expect((await attemptRows(delivery.id)).map((a) => a.outcome)).toEqual(['retry_scheduled', 'retry_scheduled', 'retries_exhausted']);
  expect(new Set(sent.map((m) => m.id)).size).toBe(1); // every attempt: the same webhook-id
  // The streak's start stays where it began; a later success clears it.
  expect((await t.db.webhookEndpoint.findUniqueOrThrow({ where: { id: BigInt(endpoint.id) } })).failingSince).toEqual(failingSince);
});

test('the record is fenced: after the lease was taken back it reports a lost claim; a record retried after a lost answer finds its own commit', async () => {
  const { delivery } = await endpointWithEvent();
  const target = await promoted(delivery.id);
  const [claim] = await claimWebhooks(t.db, { workerId: 'slow', leaseSeconds: 1 }, [{ deliveryId: delivery.id, createdAt: target.createdAt, attempts: 0 }]);
  expect(claim?.kind).toBe('claimed');
  await t.db.$executeRaw`UPDATE webhook_delivery SET lease_until = now() - interval '1 second' WHERE id = ${delivery.id}`;
  expect(await recoverWebhookLeases(t.db, policy, 100)).toEqual({ retried: 1, failed: 0 });
  expect(await deliveryRow(delivery.id)).toMatchObject({ status: 'pending', attempts: 1, queued: false });

  const late = { deliveryId: delivery.id, attempt: 1, outcome: 'delivered' as const, retryDelaySeconds: null, statusCode: 200, responseBody: 'late', error: null, durationMs: 5 };
  expect(await recordWebhookAttempts(t.db, policy, [late])).toEqual([{ fenced: false, endpointDisabled: null }]);
  expect(await attemptRows(delivery.id)).toEqual([expect.objectContaining({ attempt: 1, outcome: 'lease_expired' })]);

  // Taken back, the delivery is promoted again with a job of its own (attempts moved on), same webhook-id.
  const again = await promoted(delivery.id);
  expect(again.attempts).toBe(1);
  const { sender, sent } = stubSender();
  expect(await dispatchWebhook(dispatcher(sender), asJob(again))).toMatchObject({ outcome: 'delivered', attempt: 2 });
  const record = { ...late, attempt: 2, responseBody: 'ok', durationMs: 3 };
  expect(await recordWebhookAttempts(t.db, policy, [record])).toEqual([{ fenced: true, endpointDisabled: null }]);
  expect(sent[0]!.id).toBe(`evt_${delivery.event.publicId.replace(/-/g, '')}`);
});

test('a delivery whose endpoint was disabled ends without a POST; a previous secret signs only while its grace lasts', async () => {
  const { endpoint, delivery } = await endpointWithEvent();
  await t.db.webhookEndpoint.update({ where: { id: BigInt(endpoint.id) }, data: { enabled: false, disabledReason: 'disabled through the API' } });
  const { sender, sent } = stubSender();
  expect(await dispatchWebhook(dispatcher(sender), asJob(await promoted(delivery.id)))).toEqual({ outcome: 'endpoint_disabled' });
  expect(sent).toEqual([]);
  expect(await deliveryRow(delivery.id)).toMatchObject({ status: 'failed', attempts: 0, lastError: 'endpoint disabled: disabled through the API' });
  expect(await attemptRows(delivery.id)).toEqual([]);

  const rotated = await endpointWithEvent();
  await t.db.webhookEndpoint.update({ where: { id: BigInt(rotated.endpoint.id) }, data: { previousSecret: 'whsec_old', previousSecretExpiresAt: new Date(Date.now() + 60_000) } });
  const [claim] = await claimWebhooks(t.db, { workerId: 'test', leaseSeconds: 30 }, [{ ...(await promoted(rotated.delivery.id)), deliveryId: rotated.delivery.id }]);
  expect(claim).toMatchObject({ kind: 'claimed', webhook: { secrets: [rotated.endpoint.secret, 'whsec_old'] } });
  const expired = await endpointWithEvent();
  await t.db.webhookEndpoint.update({ where: { id: BigInt(expired.endpoint.id) }, data: { previousSecret: 'whsec_old', previousSecretExpiresAt: new Date(Date.now() - 1) } });
  const [alone] = await claimWebhooks(t.db, { workerId: 'test', leaseSeconds: 30 }, [{ ...(await promoted(expired.delivery.id)), deliveryId: expired.delivery.id }]);
  expect(alone).toMatchObject({ kind: 'claimed', webhook: { secrets: [expired.endpoint.secret] } });
});

test('an endpoint failing longer than the disable period, with no success since, is disabled by the next failure, with why and when', async () => {
  const { endpoint, delivery } = await endpointWithEvent();
  const id = BigInt(endpoint.id);
  await t.db.webhookEndpoint.update({ where: { id }, data: { failingSince: new Date(Date.now() - 2 * 3_600_000) } });
  const { sender, replies } = stubSender();
  replies.push({ kind: 'answered', statusCode: 410, body: 'gone', durationMs: 1 });
  const outcome = await dispatchWebhook(dispatcher(sender), asJob(await promoted(delivery.id)));
  expect(outcome).toMatchObject({ outcome: 'retry_scheduled', endpointDisabled: expect.stringMatching(/^no successful delivery since .+Z \(failing longer than 1 h\); last failure: HTTP 410$/) });
  const row = await t.db.webhookEndpoint.findUniqueOrThrow({ where: { id } });
  expect(row).toMatchObject({ enabled: false, disabledReason: outcome.outcome === 'retry_scheduled' ? outcome.endpointDisabled : null });
  expect(row.disabledAt).not.toBeNull();

  // A success clears a streak younger than the period.
  const healthy = await endpointWithEvent();
  await t.db.webhookEndpoint.update({ where: { id: BigInt(healthy.endpoint.id) }, data: { failingSince: new Date(Date.now() - 60_000) } });
  await dispatchWebhook(dispatcher(stubSender().sender), asJob(await promoted(healthy.delivery.id)));
  expect(await t.db.webhookEndpoint.findUniqueOrThrow({ where: { id: BigInt(healthy.endpoint.id) } })).toMatchObject({ enabled: true, failingSince: null });
});

test('the overdue scan finds deliveries due and queued longer ago than the grace, and leaves fresh ones', async () => {
  const { delivery } = await endpointWithEvent();
  const overdue = async () => (await findOverdueWebhooks(t.db, 60_000, 10)).targets.map((x) => x.deliveryId);
  // Due two minutes ago but promoted just now (the promoter was down): its fresh job is not second-guessed.
  await t.db.$executeRaw`UPDATE webhook_delivery SET due_at = now() - interval '2 minutes' WHERE id = ${delivery.id}`;
  const target = await promoted(delivery.id);
  expect(await overdue()).not.toContain(target.deliveryId);
  await t.db.$executeRaw`UPDATE webhook_delivery SET updated_at = now() - interval '2 minutes' WHERE id = ${delivery.id}`;
  const page = await findOverdueWebhooks(t.db, 60_000, 10);
  expect(page.targets).toContainEqual(target);
  // The promoter and the scan name the job alike, to the millisecond, in a form BullMQ accepts.
  const jobId = webhookJobId(page.targets.find((x) => x.deliveryId === target.deliveryId)!);
  expect(jobId).toBe(webhookJobId(target));
  expect(jobId).toMatch(/^webhook-[1-9][0-9]*-[0-9a-z]+-a0$/);
});
