import { deliveryJobId } from '@postdate/queue';
import { startRedisCluster, startSmtpSink, waitFor, type RedisClusterServers, type SmtpSink } from '@postdate/test-support';
import { startTestStack, type TestStack } from '../support';

// The same delivery on one Redis server (REDIS_URL) and on a private three-master Redis Cluster, the apps
// given one node of it in REDIS_CLUSTER_NODES, a node that does not own the queue's slot.
describe.each([
  ['one Redis server', false],
  ['a Redis Cluster, REDIS_CLUSTER_NODES naming a node without the queue slot', true],
])('on %s', (_backend, onCluster) => {
  let cluster: RedisClusterServers | undefined;
  let stack: TestStack;
  let sink: SmtpSink;

  beforeAll(async () => {
    if (onCluster) cluster = await startRedisCluster();
    stack = await startTestStack(cluster ? { redisCluster: cluster } : {});
    sink = await startSmtpSink();
    await stack.startWorker(sink.url);
  });
  afterAll(async () => {
    await stack?.close();
    await sink?.close();
    await cluster?.stop();
  });

  test('an email scheduled two seconds ahead reaches SMTP once, at about its time, and the row says so', async () => {
    const client = await stack.tenant();
    const sendAt = new Date(Date.now() + 2000);
    const created = await client.request('POST', '/v1/emails', {
      from: 'Acme <noreply@acme.test>',
      to: ['bob@example.com', 'Bob Again <BOB@example.com>'],
      cc: ['Carol.King@Example.COM'],
      bcc: ['audit@acme.test'],
      subject: 'Your invoice',
      text: 'Hello Bob',
      html: '<p>Hello Bob</p>',
      headers: { 'X-Campaign': 'nov' },
      sendAt: sendAt.toISOString(),
      metadata: { invoice: 42 },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.stringMatching(/^\d+$/), status: 'scheduled', sendAt: sendAt.toISOString() });
    // The API's own enqueue put the job in Redis (the sweeper adds jobs only to emails overdue by a grace).
    const jobId = deliveryJobId({ emailId: created.body.id, createdAt: new Date(created.body.createdAt), version: 1, attempts: 0 });
    expect(await stack.api.context.deliveryQueue.getJobState(jobId)).not.toBe('unknown');
    // The duplicate bob (different case and display name) is one recipient, kept as first written; the
    // local part keeps its case, the domain is lower-cased.
    expect(created.body.recipients.map((r: { address: string; kind: string; status: string }) => [r.address, r.kind, r.status])).toEqual([
      ['bob@example.com', 'to', 'pending'],
      ['Carol.King@example.com', 'cc', 'pending'],
      ['audit@acme.test', 'bcc', 'pending'],
    ]);

    await waitFor('the message at the SMTP sink', () => sink.accepted.length === 1);
    const message = sink.accepted[0]!;
    const lateMs = message.receivedAt.getTime() - sendAt.getTime();
    expect(lateMs).toBeGreaterThanOrEqual(-50);
    expect(message.messageId).toBe(`<postdate.${created.body.id}@postdate.test>`);
    // The envelope carries each address as written (RFC 5321 lets a server treat local parts case-sensitively).
    expect(message.to.sort()).toEqual(['Carol.King@example.com', 'audit@acme.test', 'bob@example.com']);
    expect(message.raw).toMatch(/^Cc: Carol\.King@example\.com$/m);
    expect(message.subject).toBe('Your invoice');
    expect(message.raw).toMatch(/^X-Campaign: nov$/m);
    expect(message.raw).not.toMatch(/^Bcc:/im);

    const row = await waitFor('the row to be marked sent', async () => {
      const got = await client.request('GET', `/v1/emails/${created.body.id}`);
      return got.body.status === 'sent' ? got.body : null;
    });
    expect(row.attempts).toBe(1);
    expect(row.messageId).toBe(message.messageId);
    expect(new Date(row.sentAt).getTime()).toBeGreaterThanOrEqual(sendAt.getTime());
    expect(row.recipients.every((r: { status: string }) => r.status === 'sent')).toBe(true);

    // Nothing else arrives later (no duplicate from the sweeper or a retry).
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(sink.accepted).toHaveLength(1);
  });
});
