import { checkWebhookUrl, MAX_WEBHOOK_URL_LENGTH } from '../src/index';

// What the API can tell a tenant at registration. Names are not resolved here: DNS can change after, so
// their addresses are judged at every send.

const production = { allowHttp: false, allowPrivate: false };
const tests = { allowHttp: true, allowPrivate: true };

test.each([
  'https://hooks.example.com/postdate',
  'https://hooks.example.com:8443/postdate?token=abc#ignored',
  'https://93.184.215.14/hook',
  'https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/hook',
  // A name that will resolve to a private address: refused at send time, not here.
  'https://localhost/hook',
])('%s is accepted in production', (raw) => {
  const check = checkWebhookUrl(raw, production);
  expect(check.ok).toBe(true);
  if (check.ok) expect(check.url.href).toBe(new URL(raw).href);
});

test.each([
  ['http://hooks.example.com/', 'the scheme must be https'],
  ['ftp://hooks.example.com/', 'the scheme must be https'],
  ['javascript:alert(1)', 'the scheme must be https'],
  ['hooks.example.com/postdate', 'not an absolute URL'],
  ['', 'not an absolute URL'],
  ['https://user:pass@hooks.example.com/', 'credentials (user:password@) are not allowed'],
  ['https://token@hooks.example.com/', 'credentials (user:password@) are not allowed'],
  ['https://127.0.0.1/', '127.0.0.1 is not a public address (loopback)'],
  ['https://2130706433/', '127.0.0.1 is not a public address (loopback)'],
  ['https://10.1.2.3/', '10.1.2.3 is not a public address (private)'],
  ['https://172.31.0.1/', '172.31.0.1 is not a public address (private)'],
  ['https://192.168.0.10/', '192.168.0.10 is not a public address (private)'],
  ['https://169.254.169.254/latest/meta-data/', '169.254.169.254 is not a public address (linkLocal)'],
  ['https://100.100.100.200/', '100.100.100.200 is not a public address (carrierGradeNat)'],
  ['https://0.0.0.0/', '0.0.0.0 is not a public address (unspecified)'],
  ['https://[::1]/', '::1 is not a public address (loopback)'],
  ['https://[fd12::1]/', 'fd12::1 is not a public address (uniqueLocal)'],
  ['https://[fe80::1]/', 'fe80::1 is not a public address (linkLocal)'],
  ['https://[::ffff:169.254.169.254]/', '::ffff:a9fe:a9fe is not a public address (linkLocal: 169.254.169.254 inside IPv6)'],
  [`https://hooks.example.com/${'a'.repeat(MAX_WEBHOOK_URL_LENGTH)}`, 'longer than 2048 characters'],
])('%s is refused: %s', (raw, reason) => {
  expect(checkWebhookUrl(raw, production)).toEqual({ ok: false, reason });
});

test('a URL of exactly the maximum length is accepted', () => {
  const base = 'https://hooks.example.com/';
  expect(checkWebhookUrl(base + 'a'.repeat(MAX_WEBHOOK_URL_LENGTH - base.length), production).ok).toBe(true);
});

test('with http and private addresses allowed (tests, private networks), loopback http passes', () => {
  expect(checkWebhookUrl('http://127.0.0.1:4000/hook', tests).ok).toBe(true);
  expect(checkWebhookUrl('http://[::1]:4000/hook', tests).ok).toBe(true);
  expect(checkWebhookUrl('https://10.0.0.5/hook', { allowHttp: false, allowPrivate: true }).ok).toBe(true);
});

test('allowing http allows http, not any scheme, and never credentials', () => {
  expect(checkWebhookUrl('ws://hooks.example.com/', tests)).toEqual({ ok: false, reason: 'the scheme must be https or http' });
  expect(checkWebhookUrl('http://a:b@127.0.0.1/', tests)).toEqual({
    ok: false,
    reason: 'credentials (user:password@) are not allowed',
  });
});

test('a refusal never repeats the URL, which may carry a token', () => {
  const check = checkWebhookUrl('https://user:s3cr3t-token@hooks.example.com/?key=another-s3cr3t', production);
  expect(check).toEqual({ ok: false, reason: expect.not.stringContaining('s3cr3t') });
});
