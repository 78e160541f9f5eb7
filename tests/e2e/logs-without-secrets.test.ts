import { randomBytes } from 'node:crypto';
import { startSmtpSink, waitFor, workerVariables, type SmtpSink } from '@postdate/test-support';
import { startApiProcess, startTestStack, startWorkerProcess, type ApiProcess, type TestStack, type WorkerProcess } from '../support';

let stack: TestStack;
let sink: SmtpSink;
let worker: WorkerProcess;
let api: ApiProcess;

function jsonLines(output: string): Record<string, any>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
}

beforeAll(async () => {
  stack = await startTestStack();
  sink = await startSmtpSink();
  worker = await startWorkerProcess(workerVariables(stack, sink.url, { LOG_LEVEL: 'debug' }));
  api = await startApiProcess({
    DATABASE_URL: stack.databaseUrl, REDIS_URL: stack.redisUrl, QUEUE_PREFIX: stack.queuePrefix,
    PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'debug', REQUIRE_VERIFIED_DOMAIN: 'false',
  });
}, 120_000); // two processes start under tsx: slow on a loaded machine
afterAll(async () => {
  await worker?.kill('SIGTERM');
  await api?.stop();
  await stack?.close();
  await sink?.close();
});

test('logs name the request and the email and attempt, never the API key or the message body', async () => {
  const client = await stack.tenant();
  const body = `body-${randomBytes(8).toString('hex')}`;
  const requestId = `req-${randomBytes(6).toString('hex')}`;
  const response = await fetch(`http://127.0.0.1:${api.port}/v1/emails`, {
    method: 'POST',
    headers: { authorization: `Bearer ${client.key}`, 'content-type': 'application/json', 'x-request-id': requestId },
    body: JSON.stringify({ from: 'ops@acme.test', to: ['bob@example.com'], subject: 'Logged', text: body, html: `<p>${body}</p>` }),
  });
  expect(response.status).toBe(201);
  expect(response.headers.get('x-request-id')).toBe(requestId);
  const { id } = (await response.json()) as { id: string };
  await waitFor('the email to reach SMTP', () => sink.accepted.length === 1);
  await waitFor('the worker to log the send', () => worker.output().includes('"msg":"email sent"'));

  for (const [name, output] of [['api', api.output()], ['worker', worker.output()]] as const) {
    expect([name, output.includes(client.key)]).toEqual([name, false]);
    expect([name, output.includes(body)]).toEqual([name, false]);
  }

  // API: every line written while serving the request carries its id.
  const requestLines = jsonLines(api.output()).filter((line) => line.emailId === id || line.req?.id === requestId);
  expect(requestLines.map((line) => line.msg)).toEqual(['email scheduled', 'request completed']);
  for (const line of requestLines) expect(line.req?.id).toBe(requestId);

  // Worker: every line about a job names the email; the send names the attempt too.
  const jobLines = jsonLines(worker.output()).filter((line) => line.jobId !== undefined || line.emailId !== undefined);
  expect(jobLines.length).toBeGreaterThan(0);
  for (const line of jobLines) expect([line.msg, line.emailId]).toEqual([line.msg, id]);
  const sent = jobLines.find((line) => line.msg === 'email sent');
  expect(sent).toMatchObject({ emailId: id, attempt: 1, version: 1, jobId: expect.any(String) });
});
