import { createWebhookSender, generateWebhookSecret } from '../src/index';
import { guardedConnect, stubLookup } from './support/guarded-network';
import { startReceiver, type Receiver } from './support/receiver';

// A redirect is the classic way around an SSRF check: a public endpoint answers 302 to the metadata service.
// The sender never follows one; the 3xx is an answer like any other, and the dispatcher counts it a failure.

const METADATA_CREDENTIALS = 'http://metadata.internal/latest/meta-data/iam/security-credentials/';
let status = 302;
let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver((_request, response) =>
    response.writeHead(status, { location: METADATA_CREDENTIALS }).end('moved'),
  );
});
afterAll(() => receiver.close());

test.each([301, 302, 303, 307, 308])(
  'a %d is returned as answered, and its Location is neither resolved nor connected to',
  async (code) => {
    status = code;
    receiver.received.splice(0);
    // The receiver's own name is allowed to be loopback (allowPrivate, as in the tests of the whole system);
    // the Location's name resolves to the metadata address, and connect refuses anything but 127.0.0.0/8.
    const { lookup, asked } = stubLookup({ 'hooks.example.test': ['127.0.0.1'], 'metadata.internal': ['169.254.169.254'] });
    const { connect, calls, violations } = guardedConnect({ loopbackToo: true });
    const sender = createWebhookSender({ timeoutMs: 5_000, allowHttp: true, allowPrivate: true, lookup, connect });

    const result = await sender.send({
      url: `http://hooks.example.test:${receiver.port}/hook`,
      id: 'evt_redirect',
      timestamp: new Date(),
      body: '{}',
      secrets: [generateWebhookSecret()],
    });

    expect(result).toMatchObject({ kind: 'answered', statusCode: code, body: 'moved' });
    expect(receiver.received).toHaveLength(1);
    expect(asked).toEqual(['hooks.example.test']);
    expect(calls).toEqual([{ host: '127.0.0.1', port: receiver.port }]);
    expect(violations).toEqual([]);
  },
);
