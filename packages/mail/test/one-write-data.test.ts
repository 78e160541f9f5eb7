import { Socket } from 'node:net';
import { startSmtpSink, type SmtpSink } from '@postdate/test-support';
import { createSmtpTransport } from '../src/smtp-transport';
import type { OutgoingMessage } from '../src/index';
import { dkimTestKey } from './dkim-test-key';

// A message goes to the relay as one socket write, whatever its parts (a signed one as three: nodemailer's
// DKIM signer, which runs after everything postdate can hook, hands on its signature, the header block and
// the body apart): nodemailer's many small chunks (each header, boundary and part) each cost a system call
// otherwise. Checked on what the client's socket is asked to write, since the receiving side may see
// writes merged or split by TCP.

const { privateKey, resolver: dkimResolver } = dkimTestKey('acme.test', 'pd1');
const message: OutgoingMessage = {
  messageId: '<postdate.1@postdate.test>',
  from: 'billing@acme.test',
  replyTo: ['help@acme.test'],
  to: ['ann@example.com', 'ben@example.com'],
  cc: ['cy@example.com'],
  bcc: [],
  subject: 'Your invoice',
  text: 'Hello Ann',
  html: '<p>Hello Ann</p>',
  headers: { 'X-Campaign': 'invoices' },
};

let sink: SmtpSink;
beforeAll(async () => {
  sink = await startSmtpSink({}, { dkimResolver });
});
afterAll(() => sink?.close());

/** What the client's sockets to the sink were asked to write while `work` ran, chunk by chunk. */
async function clientWrites(work: () => Promise<unknown>): Promise<string[]> {
  const chunks: string[] = [];
  const write = Socket.prototype.write;
  Socket.prototype.write = function (this: Socket, ...args: Parameters<Socket['write']>) {
    if (this.remotePort === sink.port) chunks.push(String(args[0]));
    return write.apply(this, args);
  } as Socket['write'];
  try {
    await work();
  } finally {
    Socket.prototype.write = write;
  }
  return chunks;
}

test.each([
  ['an unsigned message', message],
  ['a DKIM-signed message', { ...message, dkim: { domainName: 'acme.test', keySelector: 'pd1', privateKey } }],
])('%s goes to the relay whole, not chunk by chunk', async (_kind, outgoing) => {
  const transport = createSmtpTransport({ url: sink.url, poolSize: 1, timeoutMs: 5000 });
  try {
    await transport.send(outgoing); // the connection's greeting and EHLO, out of the way
    const before = sink.accepted.length;
    const chunks = await clientWrites(() => transport.send(outgoing));
    // What goes between DATA and the closing dot.
    const data = chunks.slice(chunks.indexOf('DATA\r\n') + 1, chunks.indexOf('.\r\n'));
    expect(data.length).toBe(outgoing.dkim ? 3 : 1);
    if (outgoing.dkim) expect(data[0]).toMatch(/^DKIM-Signature: /);
    const whole = data.join('');
    for (const part of ['Subject: Your invoice', 'X-Campaign: invoices', 'Hello Ann', '<p>Hello Ann</p>']) expect(whole).toContain(part);
    expect(sink.accepted.length).toBe(before + 1);
    expect(sink.accepted[before]!.raw).toContain('<p>Hello Ann</p>');
    if (outgoing.dkim) expect(sink.accepted[before]!.dkim).toEqual([expect.objectContaining({ status: 'pass', domain: 'acme.test' })]);
  } finally {
    transport.close();
  }
});

test('a large message is handed on in pieces of 256 KiB, not held whole, and arrives whole', async () => {
  const transport = createSmtpTransport({ url: sink.url, poolSize: 1, timeoutMs: 5000 });
  try {
    const text = 'a line of a long message\r\n'.repeat(40_000); // about 1 MiB
    const before = sink.accepted.length;
    const chunks = await clientWrites(() => transport.send({ ...message, html: undefined, text }));
    const data = chunks.slice(chunks.indexOf('DATA\r\n') + 1, chunks.indexOf('.\r\n'));
    expect(data.length).toBeGreaterThanOrEqual(4);
    expect(data.length).toBeLessThanOrEqual(6);
    expect(sink.accepted[before]!.raw.split('a line of a long message').length - 1).toBe(40_000);
  } finally {
    transport.close();
  }
});
