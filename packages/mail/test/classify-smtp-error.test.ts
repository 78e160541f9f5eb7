import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startSmtpSink, type SmtpSink } from '@postdate/test-support';
import { classifySmtpError, MailSendError, type OutgoingMessage } from '../src/index';
import { createSmtpTransport } from '../src/smtp-transport';

describe('classifySmtpError: error shapes', () => {
  test.each([550, 551, 552, 553, 554, 500])('a %d reply is permanent', (responseCode) => {
    const error = classifySmtpError({ message: 'nope', responseCode, response: `${responseCode} nope` });
    expect(error).toBeInstanceOf(MailSendError);
    expect(error.kind).toBe('permanent');
    expect(error.responseCode).toBe(responseCode);
    expect(error.message).toBe(`${responseCode} nope`);
  });

  test.each([421, 450, 451, 452, 454])('a %d reply is transient', (responseCode) => {
    expect(classifySmtpError({ responseCode, response: `${responseCode} later` }).kind).toBe('transient');
  });

  test.each([530, 534, 535, 538])('the relay refusing our credentials (%d) is transient: fix the relay, the backlog goes', (responseCode) => {
    const error = classifySmtpError({ code: 'EAUTH', message: 'Invalid login', responseCode, response: `${responseCode} 5.7.8 no` });
    expect(error.kind).toBe('transient');
    expect(error.responseCode).toBe(responseCode);
  });

  test.each(['ECONNREFUSED', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENOTFOUND', 'ESOCKET', 'ETLS', 'EDNS'])(
    'a connection error with no reply (%s) is transient',
    (code) => {
      const error = classifySmtpError(Object.assign(new Error(`connect ${code}`), { code }));
      expect(error.kind).toBe('transient');
      expect(error.responseCode).toBeUndefined();
      expect(error.message).toBe(`connect ${code}`);
    },
  );

  test('every recipient refused permanently: permanent, with each refusal listed', () => {
    const error = classifySmtpError({
      code: 'EENVELOPE',
      message: "Can't send mail - all recipients were rejected",
      rejectedErrors: [
        { recipient: 'a@x.test', responseCode: 550, response: '550 no such user' },
        { recipient: 'b@x.test', responseCode: 553 },
      ],
    });
    expect(error.kind).toBe('permanent');
    expect(error.responseCode).toBe(550);
    expect(error.rejected).toEqual([
      { address: 'a@x.test', response: '550 no such user', permanent: true },
      { address: 'b@x.test', response: '553', permanent: true },
    ]);
  });

  test('mixed refusals (one 5xx, one 4xx): transient, the 4xx one may succeed later', () => {
    const error = classifySmtpError({
      rejectedErrors: [
        { recipient: 'a@x.test', responseCode: 550, response: '550 no' },
        { recipient: 'b@x.test', responseCode: 452, response: '452 mailbox full' },
      ],
    });
    expect(error.kind).toBe('transient');
    expect(error.rejected).toHaveLength(2);
  });

  test('a 5xx reply with a 4xx refusal among the recipients is transient', () => {
    expect(classifySmtpError({ responseCode: 550, rejectedErrors: [{ responseCode: 450 }] }).kind).toBe('transient');
  });

  test.each([
    [{ recipient: 'a@x.test', responseCode: 452, response: '452 4.2.2 mailbox full' }, false],
    [{ recipient: 'a@x.test', response: '550 5.1.1 no such user' }, true],
    [{ recipient: 'a@x.test', response: '451 4.7.1 greylisted' }, false],
    [{ recipient: 'a@x.test', response: 'refused without a code' }, false],
  ])('each refusal says whether it is for good: %j → permanent %s', (rejectedError, permanent) => {
    expect(classifySmtpError({ rejectedErrors: [rejectedError] }).rejected[0]!.permanent).toBe(permanent);
  });

  test('a refusal with no recipient or response still yields an entry', () => {
    expect(classifySmtpError({ rejectedErrors: [{}] }).rejected).toEqual([{ address: '', response: 'rejected', permanent: false }]);
  });

  test.each([undefined, null, 'boom', 42, {}])(
    'something that is not an error (%j) is transient and does not throw',
    (thrown) => {
      const error = classifySmtpError(thrown);
      expect(error.kind).toBe('transient');
      expect(typeof error.message).toBe('string');
    },
  );

  test('a non-numeric responseCode does not count as a verdict', () => {
    expect(classifySmtpError({ responseCode: '550' as unknown as number }).kind).toBe('transient');
  });

  test('the message is cut at 1000 characters (SMTP servers can answer at length)', () => {
    expect(classifySmtpError({ responseCode: 550, response: 'x'.repeat(5000) }).message).toHaveLength(1000);
  });
});

describe('classifySmtpError: what nodemailer really throws', () => {
  const message = (to: string[]): OutgoingMessage => ({
    messageId: '<postdate.1@postdate.test>',
    from: 'noreply@acme.test',
    replyTo: [],
    to,
    cc: [],
    bcc: [],
    subject: 'hi',
    text: 'hi',
    headers: {},
  });
  let sink: SmtpSink;
  const servers: Server[] = [];

  beforeAll(async () => {
    sink = await startSmtpSink({
      rcpt: (address) =>
        address.startsWith('gone')
          ? { code: 550, message: 'no such user' }
          : address.startsWith('full')
            ? { code: 452, message: 'mailbox full' }
            : undefined,
    });
  });
  afterAll(async () => {
    await sink?.close();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  async function sendError(url: string, to: string[], timeoutMs = 2000): Promise<MailSendError> {
    const transport = createSmtpTransport({ url, poolSize: 1, timeoutMs });
    try {
      await transport.send(message(to));
    } catch (error) {
      return error as MailSendError;
    } finally {
      transport.close();
    }
    throw new Error('expected the send to fail');
  }

  test('every recipient refused with 550: permanent', async () => {
    const error = await sendError(sink.url, ['gone1@x.test', 'gone2@x.test']);
    expect(error).toBeInstanceOf(MailSendError);
    expect(error.kind).toBe('permanent');
    expect(error.rejected.map((r) => r.address).sort()).toEqual(['gone1@x.test', 'gone2@x.test']);
  });

  test('one 550 and one 452: transient', async () => {
    const error = await sendError(sink.url, ['gone@x.test', 'full@x.test']);
    expect(error.kind).toBe('transient');
  });

  test('connection refused: transient', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await sendError(`smtp://127.0.0.1:${port}`, ['bob@x.test']);
    expect(error.kind).toBe('transient');
    expect(error.responseCode).toBeUndefined();
  });

  test('a server that never greets: timeout, transient', async () => {
    const silent = createServer(() => {
      // Accept the connection and say nothing.
    });
    servers.push(silent);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    const error = await sendError(`smtp://127.0.0.1:${port}`, ['bob@x.test'], 300);
    expect(error.kind).toBe('transient');
    expect(error.responseCode).toBeUndefined();
  });
});

describe('a relay throttling the sender', () => {
  test.each([
    [454, '454 4.7.0 Throttling failure: Maximum sending rate exceeded.'],
    [421, '421 4.7.28 Our system has detected an unusual rate of unsolicited mail'],
    [451, '451 4.3.2 Too many concurrent connections from this IP'],
    [421, '421 4.7.0 Try again later, closing connection (rate limited)'],
    [454, '454 slow down please'],
  ])('%i "%s" is throttling: paused for, not held against the email', (responseCode, response) => {
    expect(classifySmtpError({ responseCode, response }).kind).toBe('throttled');
  });

  test.each([
    [450, '450 4.2.0 greylisted, try again later'],
    [452, '452 4.2.2 mailbox full'],
    [451, '451 4.3.0 local error in processing'],
    [421, '421 4.4.2 connection dropped'],
    [550, '550 5.7.1 rate limit exceeded permanently'],
  ])('%i "%s" is not throttling', (responseCode, response) => {
    expect(classifySmtpError({ responseCode, response }).kind).not.toBe('throttled');
  });
});
