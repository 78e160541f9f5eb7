import https from 'node:https';
import { connect as connectTcp, type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { Webhook } from 'standardwebhooks';
import { createWebhookSender, generateWebhookSecret } from '../src/index';
import { stubLookup } from './support/guarded-network';
import { selfSignedCertificate, type Certificate } from './support/self-signed-certificate';

// Over TLS the connection still goes to the checked address, while the name travels as SNI, as the name the
// certificate must prove, and as Host. The receiver is an https server on 127.0.0.1 with a self-signed
// certificate for hooks.example.test; the name reaches 127.0.0.1 only through the stub lookup.

const NAME = 'hooks.example.test';
let certificate: Certificate;
let server: https.Server;
let port: number;
const seen: { servername: string | undefined; host: string | undefined; headers: Record<string, string> }[] = [];
const sniOffered: string[] = [];

beforeAll(async () => {
  certificate = selfSignedCertificate(NAME);
  server = https.createServer(
    {
      ...certificate,
      SNICallback: (servername, callback) => {
        sniOffered.push(servername);
        callback(null, tls.createSecureContext(certificate));
      },
    },
    (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        seen.push({
          servername: (request.socket as tls.TLSSocket).servername || undefined,
          host: request.headers.host,
          headers: { ...(request.headers as Record<string, string>), body },
        });
        response.end('secure ok');
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  seen.splice(0);
  sniOffered.splice(0);
});

const message = (secret: string) => ({
  url: `https://${NAME}:${port}/hook`,
  id: 'evt_tls',
  timestamp: new Date(),
  body: '{"type":"email.sent"}',
  secrets: [secret],
});

test('a connect that does TLS itself (trusting the test CA) gets the pinned address and the name as servername', async () => {
  const calls: { host: string; port: number; servername?: string }[] = [];
  const { lookup, asked } = stubLookup({ [NAME]: ['127.0.0.1'] });
  const sender = createWebhookSender({
    timeoutMs: 5_000,
    allowHttp: false,
    allowPrivate: true,
    lookup,
    connect: (options) => {
      calls.push(options);
      if (options.host !== '127.0.0.1') throw new Error(`the test forbids connecting to ${options.host}`);
      return tls.connect({ host: options.host, port: options.port, servername: options.servername, ca: certificate.cert });
    },
  });
  const secret = generateWebhookSecret();
  const result = await sender.send(message(secret));

  expect(result).toMatchObject({ kind: 'answered', statusCode: 200, body: 'secure ok' });
  expect(asked).toEqual([NAME]);
  expect(calls).toEqual([{ host: '127.0.0.1', port, servername: NAME }]);
  expect(seen).toHaveLength(1);
  expect(seen[0]).toMatchObject({ servername: NAME, host: `${NAME}:${port}` });
  const { body, ...headers } = seen[0]!.headers;
  expect(new Webhook(secret).verify(body!, headers)).toEqual({ type: 'email.sent' });
});

test('the TLS the sender layers on a TCP connect offers the name as SNI and refuses a certificate nobody vouches for', async () => {
  const { lookup } = stubLookup({ [NAME]: ['127.0.0.1'] });
  const sender = createWebhookSender({
    timeoutMs: 5_000,
    allowHttp: false,
    allowPrivate: true,
    lookup,
    connect: (options) => {
      if (options.host !== '127.0.0.1') throw new Error(`the test forbids connecting to ${options.host}`);
      return connectTcp({ host: options.host, port: options.port });
    },
  });
  const result = await sender.send(message(generateWebhookSecret()));

  expect(result).toMatchObject({ kind: 'failed', error: expect.stringMatching(/self[- ]signed/) });
  expect(sniOffered).toEqual([NAME]);
  expect(seen).toEqual([]);
});

test('a TCP error under the TLS the sender layers on ends the attempt as failed', async () => {
  const { lookup } = stubLookup({ [NAME]: ['127.0.0.1'] });
  const sender = createWebhookSender({
    timeoutMs: 5_000,
    allowHttp: false,
    allowPrivate: true,
    lookup,
    connect: ({ port }) => connectTcp({ host: '127.0.0.1', port }),
  });
  const result = await sender.send({ ...message(generateWebhookSecret()), url: `https://${NAME}:1/hook` });
  expect(result).toMatchObject({ kind: 'failed', error: 'connect ECONNREFUSED 127.0.0.1:1' });
});
