import { Queue } from 'bullmq';
import { startApi } from '@postdate/api/start';
import { createLogger } from '@postdate/observability';
import { DELIVERY_QUEUE, createRedisConnection } from '@postdate/queue';
import { apiConfig, freePort, startSmtpSink, waitFor, type SmtpSink } from '@postdate/test-support';
import { startTestStack, type TestStack } from '../support';

let stack: TestStack;
let sink: SmtpSink;
let workerUrl: string;

beforeAll(async () => {
  stack = await startTestStack();
  sink = await startSmtpSink();
  const worker = await stack.startWorker(sink.url);
  workerUrl = `http://127.0.0.1:${worker.probePort}`;
});
afterAll(async () => {
  await stack?.close();
  await sink?.close();
});

/** The value of one sample in Prometheus text format; labels must be given in exposition order. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function metrics(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  return response.text();
}

test('a delivery and a duplicate job show up as sent, skipped, lateness and created', async () => {
  const client = await stack.tenant();
  const created = await client.request('POST', '/v1/emails', {
    from: 'ops@acme.test',
    to: ['bob@example.com'],
    subject: 'Counted',
    text: 'hello',
    sendAt: new Date(Date.now() + 300).toISOString(),
  });
  expect(created.status).toBe(201);
  await waitFor('the email to be sent', async () => (await client.request('GET', `/v1/emails/${created.body.id}`)).body.status === 'sent');

  // The same delivery under another job id, as a re-enqueue racing the original would produce.
  const connection = createRedisConnection(stack.redisUrl, 'worker');
  const queue = new Queue(DELIVERY_QUEUE, { connection, prefix: stack.queuePrefix });
  try {
    await queue.add('deliver', { emailId: created.body.id, tenantId: client.tenantId.toString(), version: 1 }, { jobId: `duplicate-${created.body.id}` });
  } finally {
    await queue.close();
    connection.disconnect();
  }

  const worker = await waitFor('the duplicate to be counted as skipped', async () => {
    const text = await metrics(workerUrl);
    return (sample(text, 'postdate_deliveries_total{outcome="skipped",reason="not_scheduled"}') ?? 0) >= 1 ? text : null;
  });
  expect(sample(worker, 'postdate_deliveries_total{outcome="sent",reason=""}')).toBe(1);
  expect(sample(worker, 'postdate_delivery_lateness_seconds_count')).toBe(1);
  expect(sample(worker, 'postdate_smtp_duration_seconds_count')).toBe(1);
  // One claim for the delivery and one for the duplicate; one sent-record.
  expect(sample(worker, 'postdate_delivery_statement_batch_size_sum{statement="claim"}')).toBe(2);
  expect(sample(worker, 'postdate_delivery_statement_batch_size_sum{statement="sent"}')).toBe(1);
  expect(worker).toMatch(/^postdate_queue_jobs\{state="delayed"\} \d+$/m);
  expect(worker).toMatch(/^# TYPE postdate_sweeper_actions_total counter$/m);
  expect(sink.countByMessageId().get(`<postdate.${created.body.id}@postdate.test>`)).toBe(1);

  const api = await metrics(stack.baseUrl);
  expect(sample(api, 'postdate_emails_created_total')).toBe(1);
  expect(api).toMatch(/^postdate_http_request_duration_seconds_count\{method="POST",route="\/v1\/emails\/",status="201"\} 1$/m);
});

test('cancellations are counted by reason: by the client, and by removing the last recipient', async () => {
  const client = await stack.tenant();
  const later = () => ({ from: 'ops@acme.test', to: ['eve@example.com'], text: 'x', sendAt: new Date(Date.now() + 30 * 60_000).toISOString() });
  const first = await client.request('POST', '/v1/emails', later());
  expect((await client.request('POST', `/v1/emails/${first.body.id}/cancel`)).status).toBe(200);
  // A second cancel changes nothing, so it is not counted again.
  expect((await client.request('POST', `/v1/emails/${first.body.id}/cancel`)).status).toBe(200);
  const second = await client.request('POST', '/v1/emails', later());
  const removed = await client.request('DELETE', `/v1/emails/${second.body.id}/recipients/eve@example.com`);
  expect(removed.body.status).toBe('canceled');

  const api = await metrics(stack.baseUrl);
  expect(sample(api, 'postdate_emails_canceled_total{reason="client"}')).toBe(1);
  expect(sample(api, 'postdate_emails_canceled_total{reason="last_recipient_removed"}')).toBe(1);
  expect(sample(api, 'postdate_emails_created_total')).toBe(3);
});

test('/healthz and /readyz answer on the API and on the worker, with Postgres and Redis checked', async () => {
  for (const baseUrl of [stack.baseUrl, workerUrl]) {
    const health = await fetch(`${baseUrl}/healthz`);
    expect([baseUrl, health.status, await health.json()]).toEqual([baseUrl, 200, { status: 'ok' }]);
    const ready = await fetch(`${baseUrl}/readyz`);
    expect([baseUrl, ready.status, await ready.json()]).toEqual([baseUrl, 200, { ready: true, checks: { postgres: 'ok', redis: 'ok' } }]);
  }
});

test('with API_METRICS_PORT set, the API serves /metrics only on that port', async () => {
  const metricsPort = await freePort();
  const api = await startApi(apiConfig(stack, { API_METRICS_PORT: String(metricsPort) }), createLogger({ level: 'silent', service: 'test' }));
  try {
    const main = await fetch(`http://127.0.0.1:${api.port}/metrics`);
    expect(main.status).toBe(404);
    expect(await metrics(`http://127.0.0.1:${metricsPort}`)).toMatch(/^# TYPE postdate_emails_created_total counter$/m);
    // Readiness, not liveness: a process just started may answer 503 until its first connections are up.
    await waitFor('the metrics port /readyz to answer 200', async () => (await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).status === 200, 20_000, 100);
  } finally {
    await api.stop();
  }
});

test("an API and a worker started from one environment both start: METRICS_PORT is the worker's alone", async () => {
  const shared = { METRICS_PORT: String(await freePort()) };
  const api = await startApi(apiConfig(stack, shared), createLogger({ level: 'silent', service: 'test' }));
  try {
    const worker = await stack.startWorker(sink.url, shared);
    expect(worker.probePort).toBe(Number(shared.METRICS_PORT));
    expect(api.metricsPort).toBeUndefined();
    expect((await fetch(`http://127.0.0.1:${api.port}/metrics`)).status).toBe(200);
  } finally {
    await api.stop();
  }
});
