import fc from 'fast-check';
import { createTransport } from 'nodemailer';
import type StreamTransport from 'nodemailer/lib/stream-transport';
import { toMailOptions, type OutgoingMessage } from '@postdate/mail';
import { createSmtpTransport } from '@postdate/mail/smtp';
import { startSmtpSink, type SmtpSink } from '@postdate/test-support';
import { createEmailInputSchema, parseAddress } from '../src/index';

// What an email goes through on its way out: our schema (API), the deliverer's OutgoingMessage, nodemailer.
// `rawMessage` builds the RFC 822 text from the same toMailOptions createSmtpTransport sends, through
// nodemailer's stream transport instead of a socket; the last test checks the real SMTP path agrees.

const schema = createEmailInputSchema();

interface Parsed {
  address: string;
  name: string | null;
}

/** The schema output as the deliverer hands it to a transport (see outgoing-message.ts). */
function outgoing(body: Record<string, unknown>): OutgoingMessage {
  const input = schema.parse(body);
  const render = (r: Parsed) => (r.name ? `"${r.name}" <${r.address}>` : r.address);
  return {
    messageId: '<postdate.42@postdate.test>',
    from: input.from,
    replyTo: input.replyTo,
    to: input.to.map(render),
    cc: input.cc.map(render),
    bcc: input.bcc.map(render),
    subject: input.subject,
    ...(input.text !== undefined ? { text: input.text } : {}),
    ...(input.html !== undefined ? { html: input.html } : {}),
    headers: input.headers,
  };
}

const stream = createTransport({ streamTransport: true, buffer: true, newline: 'windows' } satisfies StreamTransport.Options);

/**
 * The message as createSmtpTransport would write it. One difference, nodemailer's own: the stream
 * transport keeps a Bcc header (it cannot know whether the output goes to a relay), the SMTP transport
 * drops it; so a Bcc header here is expected exactly when the message has bcc recipients.
 */
async function rawMessage(message: OutgoingMessage): Promise<{ raw: string; envelope: { from: string | false; to: string[] } }> {
  const info = await stream.sendMail(toMailOptions(message));
  return { raw: (info.message as Buffer).toString('utf8'), envelope: info.envelope as { from: string | false; to: string[] } };
}

interface Head {
  /** Header lines, unfolded, in order. */
  lines: string[];
  names: string[];
  value(name: string): string[];
}

function headOf(raw: string): Head {
  const end = raw.indexOf('\r\n\r\n');
  expect(end).toBeGreaterThan(0);
  const head = raw.slice(0, end);
  // On the wire a header ends only at CRLF: a bare CR or LF in the head is an injection (or a broken fold).
  expect(head.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  const lines = head.replace(/\r\n[ \t]+/g, ' ').split('\r\n');
  for (const line of lines) expect(line).toMatch(/^[!-9;-~]+:/);
  const names = lines.map((l) => l.slice(0, l.indexOf(':')).toLowerCase());
  return {
    lines,
    names,
    value: (name) =>
      lines.filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`)).map((l) => l.slice(name.length + 1).trim()),
  };
}

/** RFC 2047 encoded words (as nodemailer writes them: UTF-8, Q or B) back to text. */
function decodeWords(value: string): string {
  const decoded = value.replace(
    /(=\?UTF-8\?([QB])\?([^?]*)\?=)(\s+(?==\?UTF-8\?))?/gi,
    (_all, _word, kind: string, text: string) => {
      if (kind.toUpperCase() === 'B') return Buffer.from(text, 'base64').toString('latin1');
      return text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    },
  );
  return Buffer.from(decoded, 'latin1').toString('utf8');
}

const base = { from: 'Acme <noreply@acme.test>', to: ['bob@example.com'], text: 'hello' };
const SYSTEM_HEADERS = [
  'from',
  'to',
  'subject',
  'message-id',
  'date',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
];

describe('nodemailer output for input our schema accepted', () => {
  test.each([
    ['plain', 'Your invoice'],
    ['header text inside the subject', 'Hi Bcc: evil@attacker.test To: x@y.test'],
    ['Unicode line and paragraph separators, NEL', 'a\u2028Bcc: x@y.test\u2029b\u0085c'],
    ['other control characters', 'tab\there\u000bvt\u000cff\u001besc\u007fdel'],
    ['non-ASCII', 'Grüße aus Köln — 日本語 🎉'],
    ['the longest subject allowed', `${'word '.repeat(199)}end`],
  ])('subject: %s → exactly one Subject header, no injected header, subject intact', async (_what, subject) => {
    const { raw, envelope } = await rawMessage(outgoing({ ...base, subject }));
    const head = headOf(raw);
    expect(head.value('subject')).toHaveLength(1);
    expect(head.names.filter((n) => !SYSTEM_HEADERS.includes(n))).toEqual([]);
    expect(head.names).not.toContain('bcc');
    expect(decodeWords(head.value('subject')[0]!)).toBe(subject);
    expect(envelope.to).toEqual(['bob@example.com']);
  });

  test('subject: an encoded-word that decodes to CRLF stays one header (nodemailer passes it through as text)', async () => {
    const subject = '=?UTF-8?Q?=0D=0ABcc:_evil@attacker.test?=';
    const head = headOf((await rawMessage(outgoing({ ...base, subject }))).raw);
    expect(head.value('subject')).toEqual([subject]);
    expect(head.names.filter((n) => !SYSTEM_HEADERS.includes(n))).toEqual([]);
  });

  test('subject: empty → no Subject header at all (nodemailer omits it), nothing else added', async () => {
    const head = headOf((await rawMessage(outgoing({ ...base, subject: '' }))).raw);
    expect(head.value('subject')).toEqual([]);
    expect(head.names.filter((n) => !SYSTEM_HEADERS.includes(n))).toEqual([]);
  });

  test('a plain subject survives exactly', async () => {
    const subject = 'Grüße: Bcc: evil@attacker.test =?x?= 🎉';
    const head = headOf((await rawMessage(outgoing({ ...base, subject }))).raw);
    expect(decodeWords(head.value('subject')[0]!)).toBe(subject);
  });

  test('allowed custom headers appear once each, with header-looking text kept inside the value', async () => {
    const headers = {
      'X-Campaign': 'nov Bcc: evil@attacker.test',
      'X-Sep': 'a\u2028b\u0085c',
      'List-Unsubscribe': '<mailto:unsub@acme.test>, <https://acme.test/u?x=1>',
      'X-Long': 'v'.repeat(998),
    };
    const { raw } = await rawMessage(outgoing({ ...base, subject: 'hi', headers }));
    const head = headOf(raw);
    for (const name of Object.keys(headers)) expect(head.value(name)).toHaveLength(1);
    expect(head.names.filter((n) => !SYSTEM_HEADERS.includes(n)).sort()).toEqual(
      Object.keys(headers)
        .map((h) => h.toLowerCase())
        .sort(),
    );
    expect(head.value('x-campaign')).toEqual(['nov Bcc: evil@attacker.test']);
    expect(head.value('subject')).toEqual(['hi']);
  });

  test('display names with commas, @, semicolons and colons stay names; the envelope holds only the real addresses', async () => {
    const { raw, envelope } = await rawMessage(
      outgoing({
        ...base,
        from: 'evil@attacker.test, Acme <noreply@acme.test>',
        replyTo: ['To: x@y.test; <help@acme.test>'],
        to: ['Bob, Bcc: evil@attacker.test <bob@example.com>', 'Carol: group; <carol@example.com>'],
        cc: ['"a@b.test" <dave@example.com>'],
        bcc: ['Hidden <audit@acme.test>'],
      }),
    );
    const head = headOf(raw);
    expect(envelope.from).toBe('noreply@acme.test');
    expect([...envelope.to].sort()).toEqual(['audit@acme.test', 'bob@example.com', 'carol@example.com', 'dave@example.com']);
    for (const name of ['from', 'to', 'cc', 'reply-to', 'bcc']) expect(head.value(name)).toHaveLength(1);
    expect(head.value('bcc')).toEqual(['Hidden <audit@acme.test>']); // dropped on the SMTP path, see below
    expect(head.value('to')[0]).toContain('<bob@example.com>');
    expect(head.value('to')[0]).toContain('<carol@example.com>');
  });

  // A display name ending in a backslash escapes the closing quote the deliverer puts around it, and
  // nodemailer then reads `"Bob\" <bob@example.com>` as one quoted local part: the envelope recipient
  // becomes `"Bob\"  bob"@example.com`, not the address our row holds.
  test('a display name ending in a backslash does not change the envelope address', async () => {
    const body = { ...base, from: 'Acme\\ <noreply@acme.test>', to: ['Bob\\ <bob@example.com>'] };
    const accepted = schema.safeParse(body);
    if (!accepted.success) return; // refusing such names is the fix too
    const { envelope } = await rawMessage(outgoing(body));
    expect(envelope.from).toBe('noreply@acme.test');
    expect(envelope.to).toEqual(['bob@example.com']);
  });

  test('property: any subject, header value or display name the schema accepts yields one Subject, no extra header, the parsed envelope', async () => {
    const text = fc.string({ unit: 'binary', maxLength: 80 });
    const tricky = fc.constantFrom(
      '\r',
      '\n',
      '\r\n',
      ' ',
      '\t',
      '\u2028',
      '\u0085',
      ':',
      ',',
      ';',
      '"',
      '\\',
      '<',
      '>',
      '@',
      'Bcc: x@y.test',
      '=?UTF-8?Q?=0A?=',
    );
    const hostile = fc.array(fc.oneof(text, tricky), { maxLength: 6 }).map((parts) => parts.join(''));
    await fc.assert(
      fc.asyncProperty(hostile, hostile, hostile, async (subject, headerValue, name) => {
        const body = { ...base, subject, headers: { 'X-Fuzz': headerValue }, to: [`${name} <bob@example.com>`] };
        const accepted = schema.safeParse(body);
        if (!accepted.success) return;
        const { raw, envelope } = await rawMessage(outgoing(body));
        const head = headOf(raw);
        // nodemailer leaves out a header whose value is blank; one with any visible character appears once.
        const once = (name: string, value: string) => {
          expect(head.value(name).length).toBeLessThanOrEqual(1);
          if (/\S/.test(value)) expect(head.value(name)).toHaveLength(1);
        };
        once('subject', subject);
        once('x-fuzz', headerValue);
        expect(head.value('to')).toHaveLength(1);
        expect(head.names.filter((n) => !SYSTEM_HEADERS.includes(n) && n !== 'x-fuzz')).toEqual([]);
        expect(envelope.to).toEqual(['bob@example.com']);
      }),
      { numRuns: 400, seed: Number(process.env.FUZZ_SEED ?? 20261125) },
    );
  });
});

describe('the schema stops CR/LF before nodemailer sees it', () => {
  const variants = ['\r\n', '\n', '\r', '\r\n ', '\n\t'];
  // Messages of every issue, those nested in a union (replyTo is a string or an array) included.
  const messages = (issues: readonly { message: string; code?: string; errors?: unknown }[]): string[] =>
    issues.flatMap((i) => (i.code === 'invalid_union' ? messages((i.errors as (typeof issues)[]).flat()) : [i.message]));
  const reject = (body: Record<string, unknown>) => {
    const result = schema.safeParse(body);
    expect(result.success).toBe(false);
    return result.success ? [] : messages(result.error.issues);
  };

  test.each(variants)('in the subject (%j)', (nl) => {
    expect(reject({ ...base, subject: `Hi${nl}Bcc: evil@attacker.test` })).toContain('subject may not contain CR or LF');
  });

  test.each(variants)('in a header value (%j)', (nl) => {
    expect(reject({ ...base, headers: { 'X-Campaign': `nov${nl}Bcc: evil@attacker.test` } })).toContain(
      'header value may not contain CR or LF',
    );
  });

  test.each(variants)('in a header name (%j)', (nl) => {
    expect(reject({ ...base, headers: { [`X-A${nl}Bcc`]: 'evil@attacker.test' } }).join()).toMatch(/may not be set/);
  });

  test.each(variants.flatMap((nl) => ['from', 'to', 'cc', 'bcc', 'replyTo'].map((field) => [field, nl] as const)))(
    'in a display name or address of %s (%j)',
    (field, nl) => {
      const value = `Bob${nl}Bcc: evil@attacker.test <bob@example.com>`;
      const body = { ...base, [field]: field === 'from' || field === 'replyTo' ? value : [value] };
      expect(reject(body).join()).toMatch(/control character/);
      expect(parseAddress(value)).toHaveProperty('error');
    },
  );
});

describe('the real SMTP path writes the same head', () => {
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink?.close();
  });

  test('createSmtpTransport → SMTP server: one Subject, the custom header once, no Bcc, same head as the stream transport', async () => {
    const message = outgoing({
      ...base,
      subject: 'Hi Bcc: evil@attacker.test',
      headers: { 'X-Campaign': 'nov' },
      bcc: ['audit@acme.test'],
    });
    const transport = createSmtpTransport({ url: sink.url, poolSize: 1, timeoutMs: 5000 });
    try {
      await transport.send(message);
    } finally {
      transport.close();
    }
    expect(sink.accepted).toHaveLength(1);
    const received = sink.accepted[0]!;
    const head = headOf(received.raw);
    expect(head.value('subject')).toEqual(['Hi Bcc: evil@attacker.test']);
    expect(head.value('x-campaign')).toEqual(['nov']);
    expect(head.names).not.toContain('bcc');
    expect(received.to.sort()).toEqual(['audit@acme.test', 'bob@example.com']);
    // The stream transport's head is the same but for Date and the Bcc it keeps (see rawMessage).
    const streamed = headOf((await rawMessage(message)).raw);
    const comparable = (h: Head) => h.lines.filter((l) => !/^(date|bcc):/i.test(l));
    expect(comparable(head)).toEqual(comparable(streamed));
    expect(streamed.value('bcc')).toEqual(['audit@acme.test']);
  });
});
