import { createDeliveryQueue, createRedisConnection, type DeliveryQueue } from '@postdate/queue';
import { startSmtpSink, waitFor, type SmtpSink } from '@postdate/test-support';
import { startTestStack, type TestStack } from '../support';
import type { Redis } from 'ioredis';

// A database restored from a backup (or dropped and migrated again) under the same Redis issues email ids
// again that Redis still holds finished jobs for. A new email must get a job of its own, not be mistaken
// for the old one's and left to the sweeper.

let stack: TestStack;
let sink: SmtpSink;
let connection: Redis;
let queue: DeliveryQueue;

beforeAll(async () => {
  stack = await startTestStack();
  sink = await startSmtpSink();
  connection = createRedisConnection(stack.redisUrl, 'producer');
  queue = createDeliveryQueue(connection, stack.queuePrefix);
  // The sweeper's grace is out of reach here: an email is only sent if its own job runs.
  await stack.startWorker(sink.url, { SWEEP_GRACE_MS: '600000' });
});
afterAll(async () => {
  await stack?.close();
  await sink?.close();
  await queue?.close();
  connection?.disconnect();
});

test('an email given the id of one a finished job was kept for (a restored database) is still sent by its own job', async () => {
  const client = await stack.tenant();
  const schedule = (to: string) => client.request('POST', '/v1/emails', { from: 'a@acme.test', to: [to], text: 'x' });

  const before = await schedule('before-restore@example.com');
  await waitFor('the first email to be sent', () => sink.accepted.length === 1);
  await waitFor('its job to be kept as completed', async () => (await queue.getCompletedCount()) === 1);

  // The restore: the row is gone and the sequence rewound, so the next email is issued the same id.
  const id = BigInt(before.body.id);
  await stack.db.$executeRaw`DELETE FROM scheduled_email WHERE id = ${id}`;
  await stack.db.$executeRaw`SELECT setval(pg_get_serial_sequence('scheduled_email', 'id'), ${id}, false)`;

  const after = await schedule('after-restore@example.com');
  expect(after.body.id).toBe(before.body.id);
  await waitFor('the second email to be sent', () => sink.accepted.length === 2, 10_000);
  expect(sink.accepted.map((m) => m.to)).toEqual([['before-restore@example.com'], ['after-restore@example.com']]);
});
