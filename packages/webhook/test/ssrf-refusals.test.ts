import { createWebhookSender, generateWebhookSecret, type WebhookSenderOptions } from '../src/index';
import { guardedConnect, stubLookup, type GuardedConnect } from './support/guarded-network';

// With private addresses not allowed (production), a name that resolves to loopback, a private network, the
// cloud metadata address or any other special range is refused before anything is connected to. Every test
// here runs on a stub resolver and a connect that throws whatever it is asked: nothing leaves this process.

const answers: Record<string, string[]> = {
  'loopback.example': ['127.0.0.1'],
  'private.example': ['10.0.0.1'],
  'private-172.example': ['172.16.5.4'],
  'private-192.example': ['192.168.1.1'],
  'metadata.example': ['169.254.169.254'],
  'cgnat.example': ['100.64.0.1'],
  'unspecified.example': ['0.0.0.0'],
  'broadcast.example': ['255.255.255.255'],
  'multicast.example': ['224.0.0.1'],
  'reserved.example': ['240.0.0.1'],
  'loopback-v6.example': ['::1'],
  'unique-local.example': ['fd00::1'],
  'link-local-v6.example': ['fe80::1'],
  'mapped-private.example': ['::ffff:10.0.0.1'],
  'mapped-metadata.example': ['::ffff:169.254.169.254'],
  'nat64-metadata.example': ['64:ff9b::a9fe:a9fe'],
  'compatible-loopback.example': ['::127.0.0.1'],
  // One public answer does not launder a private one: every address is checked.
  'mixed.example': ['93.184.215.14', '10.0.0.1'],
  'public.example': ['93.184.215.14'],
  'public-v6.example': ['2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
};

let guard: GuardedConnect;
let network: ReturnType<typeof stubLookup>;
beforeEach(() => {
  guard = guardedConnect({ loopbackToo: false });
  network = stubLookup(answers);
});

function send(url: string, options: Partial<WebhookSenderOptions> = {}) {
  const sender = createWebhookSender({
    timeoutMs: 2_000,
    allowHttp: false,
    allowPrivate: false,
    lookup: network.lookup,
    connect: guard.connect,
    ...options,
  });
  return sender.send({ url, id: 'evt_ssrf', timestamp: new Date(), body: '{}', secrets: [generateWebhookSecret()] });
}

test.each(Object.keys(answers).filter((name) => !name.startsWith('public')))(
  '%s is refused without a connection',
  async (name) => {
    const result = await send(`https://${name}/hook`);
    expect(result).toMatchObject({ kind: 'refused', error: expect.stringContaining(`${name} resolves to`) });
    expect(network.asked).toEqual([name]);
    expect(guard.calls).toEqual([]);
  },
);

test.each([
  'https://127.0.0.1/',
  'https://10.0.0.1/',
  'https://169.254.169.254/latest/meta-data/',
  'https://[::1]/',
  'https://[::ffff:10.0.0.1]/',
  'https://0x7f.1/',
])('the IP literal in %s is refused without a lookup or a connection', async (url) => {
  const result = await send(url);
  expect(result).toMatchObject({ kind: 'refused', error: expect.stringContaining('not a public address') });
  expect(network.asked).toEqual([]);
  expect(guard.calls).toEqual([]);
});

test.each([
  ['http when only https is allowed', 'http://public.example/hook', 'https'],
  ['credentials in the URL', 'https://user:secret@public.example/hook', 'credentials'],
  ['another scheme', 'file:///etc/passwd', 'scheme'],
])('%s is refused without a lookup or a connection', async (_case, url, reason) => {
  const result = await send(url);
  expect(result).toMatchObject({ kind: 'refused', error: expect.stringContaining(reason) });
  expect(result.kind === 'refused' && result.error).not.toContain('secret');
  expect(network.asked).toEqual([]);
  expect(guard.calls).toEqual([]);
});

test.each([
  ['public.example', '93.184.215.14'],
  ['public-v6.example', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
])(
  'a public answer for %s is what connect is asked for: the checked address, pinned, with the name as SNI',
  async (name, address) => {
    // The guard throws instead of connecting, so the attempt fails; what matters is what it was asked.
    const result = await send(`https://${name}:8443/hook`);
    expect(result).toMatchObject({ kind: 'failed', error: expect.stringContaining('the test forbids') });
    expect(network.asked).toEqual([name]);
    expect(guard.calls).toEqual([{ host: address, port: 8443, servername: name }]);
  },
);

test('a name that does not resolve is failed, not refused: DNS may answer next time', async () => {
  const result = await send('https://nowhere.example/');
  expect(result).toMatchObject({ kind: 'failed', error: expect.stringContaining('ENOTFOUND') });
  expect(guard.calls).toEqual([]);
});

test('a resolver answering something that is not an address is refused even with private addresses allowed', async () => {
  network = stubLookup({ 'odd.example': ['127.1'] });
  const result = await send('https://odd.example/', { allowPrivate: true });
  expect(result).toMatchObject({ kind: 'refused', error: expect.stringContaining('not an IP address') });
  expect(guard.calls).toEqual([]);
});
