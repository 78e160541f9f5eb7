import { createTransport } from 'nodemailer';
import type StreamTransport from 'nodemailer/lib/stream-transport';
import { verifyDkim } from '@postdate/test-support';
import { DKIM_SIGNED_HEADERS, toMailOptions, type OutgoingMessage } from '../src/index';
import { dkimTestKey } from './dkim-test-key';

// The DKIM signature nodemailer adds from toMailOptions' dkim option, as a receiver (mailauth) judges it.

const { privateKey, resolver: dns } = dkimTestKey('acme.test', 'pd0123456789');
const stream = createTransport({ streamTransport: true, buffer: true, newline: 'windows' } satisfies StreamTransport.Options);

const message: OutgoingMessage = {
  messageId: '<postdate.7@postdate.test>',
  from: '"Acme" <billing@news.acme.test>',
  replyTo: ['help@helpdesk.example'],
  to: ['ann@example.com'],
  cc: ['ben@example.com'],
  bcc: ['audit@acme.test'],
  subject: 'Your invoice',
  text: 'Hello Ann',
  html: '<p>Hello Ann</p>',
  headers: { 'List-Unsubscribe': '<https://acme.test/u/1>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click', 'X-Campaign': 'invoices' },
  dkim: { domainName: 'acme.test', keySelector: 'pd0123456789', privateKey },
};

async function render(outgoing: OutgoingMessage): Promise<string> {
  const info = await stream.sendMail(toMailOptions(outgoing));
  return (info.message as Buffer).toString('utf8');
}

test('signed relaxed/relaxed with the domain key; every RFC 6376 header present is covered, and only those', async () => {
  const raw = await render(message);
  const [verdict, ...more] = await verifyDkim(raw, dns);
  expect(more).toEqual([]);
  expect(verdict).toMatchObject({ status: 'pass', domain: 'acme.test', selector: 'pd0123456789', canonicalization: 'relaxed/relaxed' });
  const listed = DKIM_SIGNED_HEADERS.toLowerCase().split(':');
  expect(verdict!.signedHeaders[0]).toBe('from');
  expect(verdict!.signedHeaders).toEqual(listed.filter((h) => verdict!.signedHeaders.includes(h)));
  expect(verdict!.signedHeaders).toEqual(
    expect.arrayContaining(['from', 'reply-to', 'subject', 'date', 'to', 'cc', 'list-unsubscribe', 'list-unsubscribe-post', 'message-id', 'mime-version', 'content-type']),
  );
  for (const unsigned of ['x-campaign', 'bcc', 'received', 'return-path']) expect(verdict!.signedHeaders).not.toContain(unsigned);
});

test.each([
  ['the body', (raw: string) => raw.replace('Hello Ann', 'Hello Eve')],
  ['the subject', (raw: string) => raw.replace('Subject: Your invoice', 'Subject: Your refund')],
  ['a recipient header', (raw: string) => raw.replace('To: ann@example.com', 'To: eve@example.com')],
])('altering %s in transit breaks the signature', async (_what, alter) => {
  const [verdict] = await verifyDkim(alter(await render(message)), dns);
  expect(verdict?.status).not.toBe('pass');
});

test('no dkim option, no signature', async () => {
  const { dkim: _dkim, ...unsigned } = message;
  expect(await render(unsigned)).not.toMatch(/^DKIM-Signature:/im);
});
