import { createDkimKeyring } from '@postdate/domain';
import {
  apiClient,
  startDnsServer,
  startSmtpSink,
  TEST_DKIM_ENCRYPTION_KEY,
  waitFor,
  workerVariables,
  type DnsServer,
  type SmtpSink,
} from '@postdate/test-support';
import { startApiProcess, startTestStack, startWorkerProcess, type ApiProcess, type TestStack, type WorkerProcess } from '../support';

// DKIM private keys are never returned by the API nor logged: with both processes logging at debug, a
// domain is registered, verified, re-checked by the sweeper, lapses and comes back, and signs mail; then
// every log line and every API answer is searched for the private key and for the key that seals it.

let stack: TestStack;
let dns: DnsServer;
let sink: SmtpSink;
let worker: WorkerProcess;
let api: ApiProcess;
const domainSettings = { REQUIRE_VERIFIED_DOMAIN: 'true', DKIM_ENCRYPTION_KEY: TEST_DKIM_ENCRYPTION_KEY };

beforeAll(async () => {
  dns = await startDnsServer();
  stack = await startTestStack();
  sink = await startSmtpSink({}, { dkimResolver: dns.resolver });
  worker = await startWorkerProcess(workerVariables(stack, sink.url, { ...domainSettings, DNS_SERVERS: dns.server, DOMAIN_RECHECK_SECONDS: '1', LOG_LEVEL: 'debug' }));
  api = await startApiProcess({
    DATABASE_URL: stack.databaseUrl, REDIS_URL: stack.redisUrl, QUEUE_PREFIX: stack.queuePrefix,
    PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'debug', DNS_SERVERS: dns.server, ...domainSettings,
  });
}, 120_000); // two processes start under tsx: slow on a loaded machine
afterAll(async () => {
  await worker?.kill('SIGTERM');
  await api?.stop();
  await stack?.close();
  await sink?.close();
  await dns?.close();
});

test('neither the logs nor any API answer carry a DKIM private key or the key that seals it', async () => {
  const tenant = await stack.tenant();
  const other = await stack.tenant();
  const client = apiClient(`http://127.0.0.1:${api.port}`, tenant);
  const answers: unknown[] = [];
  const call = async (method: string, path: string, body?: unknown, as = client) => {
    const answer = await as.request(method, path, body);
    answers.push(answer.body, Object.fromEntries(answer.headers));
    return answer;
  };

  const domain = (await call('POST', '/v1/domains', { name: 'keys.test' })).body;
  dns.publishTxt(domain.records[0].name, domain.records[0].value);
  expect((await call('POST', `/v1/domains/${domain.id}/verify`)).body.status).toBe('verified');
  await call('POST', '/v1/domains', { name: 'keys.test' }, apiClient(`http://127.0.0.1:${api.port}`, other));
  await call('GET', '/v1/domains');
  const email = (await call('POST', '/v1/emails', { from: 'a@keys.test', to: ['ann@example.com'], subject: 'signed', text: 'hi' })).body;
  await waitFor('the signed email', () => sink.accepted.find((m) => m.messageId === `<postdate.${email.id}@postdate.test>`), 30_000);
  expect(sink.accepted.at(-1)?.dkim?.[0]?.status).toBe('pass');

  // The sweeper re-checks every second: let it see the record go and come back, and log both.
  dns.unpublish(domain.records[0].name);
  await waitFor('the worker to log the lapse', () => worker.output().includes('sender domain unverified'), 20_000);
  dns.publishTxt(domain.records[0].name, domain.records[0].value);
  await waitFor('the worker to log the return', () => worker.output().includes('sender domain verified again'), 20_000);
  await call('GET', `/v1/domains/${domain.id}`);

  const row = await stack.db.senderDomain.findUniqueOrThrow({ where: { id: BigInt(domain.id) } });
  const pem = createDkimKeyring(Buffer.from(TEST_DKIM_ENCRYPTION_KEY, 'hex')).open(row.dkimPrivateKey, { domain: row.name, selector: row.dkimSelector });
  const keyBase64 = pem.split('\n').filter((line) => line && !line.startsWith('-----')).join('');
  const encryptionKey = Buffer.from(TEST_DKIM_ENCRYPTION_KEY, 'hex');
  // Every 32-character window of the key's base64, the sealed form's ciphertext, and the sealing key as written.
  const secrets = [
    ...Array.from({ length: Math.floor(keyBase64.length / 32) }, (_, i) => keyBase64.slice(i * 32, i * 32 + 32)),
    row.dkimPrivateKey.split('.')[4]!.slice(0, 32),
    TEST_DKIM_ENCRYPTION_KEY,
    encryptionKey.toString('base64'),
    'PRIVATE KEY',
  ];
  expect(secrets.length).toBeGreaterThan(40);
  const places = { api: api.output(), worker: worker.output(), answers: JSON.stringify(answers) };
  for (const [place, text] of Object.entries(places)) {
    expect([place, secrets.filter((secret) => text.includes(secret))]).toEqual([place, []]);
  }
  // The searches looked at real output: the domain appears in both logs, and the answers carry its records.
  expect(places.api).toContain('"domain":"keys.test"');
  expect(places.worker).toContain('"domain":"keys.test"');
  expect(places.answers).toContain(domain.records[0].value);
});
