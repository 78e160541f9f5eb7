import { createEmailInputSchema, type EmailLimits } from '../src/emails/email-input';

const limits: EmailLimits = { maxRecipients: 5, maxScheduleDays: 30 };
const schema = createEmailInputSchema(limits);
const DAY = 86_400_000;

const minimal = { from: 'noreply@acme.test', to: ['bob@example.com'], text: 'hello' };

function accept(body: Record<string, unknown>) {
  const result = schema.safeParse(body);
  if (!result.success) throw new Error(`expected acceptance, got ${JSON.stringify(result.error.issues)}`);
  return result.data;
}

/** The issues of a rejected body, as `path: message` lines, so a test can say what the problem was. */
function reject(body: unknown): string[] {
  const result = schema.safeParse(body);
  if (result.success) throw new Error(`expected rejection, got ${JSON.stringify(result.data)}`);
  return result.error.issues.map((i) =>
    i.code === 'unrecognized_keys' ? `unknown: ${i.keys.join(',')}` : `${i.path.join('.')}: ${i.message}`,
  );
}

const withField = (field: string, value: unknown) => ({ ...minimal, [field]: value });

describe('email input: fields and defaults', () => {
  test('the minimal body gets every default', () => {
    expect(accept(minimal)).toEqual({
      from: 'noreply@acme.test',
      to: [{ address: 'bob@example.com', name: null }],
      cc: [],
      bcc: [],
      replyTo: [],
      subject: '',
      text: 'hello',
      headers: {},
      metadata: {},
    });
  });

  test('from and replyTo are rendered back as header-safe strings; recipients stay parsed', () => {
    const out = accept({
      ...minimal,
      from: 'Acme, Inc <NoReply@Acme.test>',
      to: ['Bob <BOB@example.com>'],
      replyTo: 'Help <help@acme.test>',
    });
    expect(out.from).toBe('"Acme, Inc" <NoReply@acme.test>');
    expect(out.replyTo).toEqual(['"Help" <help@acme.test>']);
    expect(out.to).toEqual([{ address: 'BOB@example.com', name: 'Bob' }]);
  });

  test.each(['from', 'to'])('%s is required', (field) => {
    const body: Record<string, unknown> = { ...minimal };
    delete body[field];
    expect(reject(body).join('\n')).toMatch(new RegExp(`^${field}:`, 'm'));
  });

  test('to needs at least one address; cc and bcc may be empty', () => {
    expect(reject(withField('to', [])).join()).toMatch(/at least one/);
    accept({ ...minimal, cc: [], bcc: [] });
  });

  test('text, html or both, but not neither', () => {
    accept({ from: minimal.from, to: minimal.to, html: '<p>hi</p>' });
    accept({ ...minimal, html: '<p>hi</p>' });
    accept({ ...minimal, text: '' });
    expect(reject({ from: minimal.from, to: minimal.to })).toEqual(['text: give text, html or both']);
  });

  test.each([
    ['from', 42],
    ['from', ['a@b.test']],
    ['to', 'bob@example.com'],
    ['to', [42]],
    ['cc', 'carol@example.com'],
    ['bcc', [null]],
    ['subject', null],
    ['subject', 7],
    ['text', 12],
    ['html', { p: 1 }],
    ['headers', 'X-A: 1'],
    ['headers', ['X-A', '1']],
    ['headers', { 'X-A': 1 }],
    ['metadata', 'x'],
    ['metadata', [1, 2]],
    ['sendAt', 1893456000000],
    ['expiresAfter', '60'],
  ])('%s of the wrong type (%j) is refused', (field, value) => {
    expect(reject(withField(field, value)).join('\n')).toMatch(new RegExp(`^${field}`, 'm'));
  });

  test.each([null, [], 'string', 42, true])('a body that is not an object (%j) is refused', (body) => {
    reject(body);
  });

  test.each([
    'tenantId',
    'status',
    'sentAt',
    'attempts',
    'messageId',
    'id',
    'version',
    'attachments',
    'Subject',
    'reply_to',
    '__proto__x',
  ])('an unknown field (%s) is an error, not ignored', (field) => {
    expect(reject(withField(field, 'x'))).toContain(`unknown: ${field}`);
  });

  test('attachments by path or URL are not accepted', () => {
    expect(reject(withField('attachments', [{ path: '/etc/passwd' }]))).toContain('unknown: attachments');
    expect(reject(withField('attachments', [{ href: 'http://169.254.169.254/latest/meta-data/' }]))).toContain(
      'unknown: attachments',
    );
  });

  test('every bad address in any list is reported with its path', () => {
    const issues = reject({
      ...minimal,
      from: 'nope',
      to: ['ok@example.com', 'bad'],
      cc: ['x@'],
      bcc: ['a\r\n@b.test'],
      replyTo: ['@c.test'],
    });
    expect(issues.map((i) => i.split(':')[0])).toEqual(['from', 'to.1', 'cc.0', 'bcc.0', 'replyTo']);
  });
});

// Postgres cannot store U+0000 (text, jsonb) and refuses an unpaired surrogate in jsonb (text columns get
// U+FFFD instead): refused here, or the API answers 500 or stores something other than what was sent.
describe('email input: characters Postgres cannot store', () => {
  test.each([
    ['subject', { subject: 'a\u0000b' }],
    ['text', { text: 'a\u0000b' }],
    ['html', { html: 'a\u0000b' }],
    ['a header value', { headers: { 'X-A': 'a\u0000b' } }],
    ['a metadata value', { metadata: { k: ['a\u0000b'] } }],
    ['a metadata key', { metadata: { 'k\u0000': 1 } }],
    ['subject (unpaired surrogate)', { subject: 'a\ud800' }],
    ['text (unpaired surrogate)', { text: '\udc00' }],
    ['a metadata value (unpaired surrogate)', { metadata: { k: '\ud800' } }],
    ['a reply-to display name (unpaired surrogate)', { replyTo: 'H\ud800 <h@acme.test>' }],
  ])('in %s', (_what, change) => {
    reject({ ...minimal, ...change });
  });

  test('astral characters (surrogate pairs) are fine everywhere', () => {
    accept({
      ...minimal,
      subject: '🎉',
      text: '𝄞',
      metadata: { '🎉': '😀' },
      headers: { 'X-A': '🎉' },
      replyTo: 'Party 🎉 <p@acme.test>',
    });
  });
});

describe('email input: recipient cap', () => {
  test('to + cc + bcc may add up to the cap, not beyond', () => {
    accept({ ...minimal, to: ['a@x.test', 'b@x.test'], cc: ['c@x.test', 'd@x.test'], bcc: ['e@x.test'] });
    expect(
      reject({ ...minimal, to: ['a@x.test', 'b@x.test'], cc: ['c@x.test', 'd@x.test'], bcc: ['e@x.test', 'f@x.test'] }).join(),
    ).toMatch(/at most 5 recipients in all \(got 6\)/);
  });

  test('the default cap is 100', () => {
    const to = Array.from({ length: 101 }, (_, i) => `r${i}@example.com`);
    expect(createEmailInputSchema().safeParse({ ...minimal, to }).success).toBe(false);
    expect(createEmailInputSchema().safeParse({ ...minimal, to: to.slice(0, 100) }).success).toBe(true);
  });

  test('replyTo: a string or an array of at most 10', () => {
    expect(accept(withField('replyTo', 'a@x.test')).replyTo).toEqual(['a@x.test']);
    expect(accept(withField('replyTo', ['a@x.test', 'B <b@x.test>'])).replyTo).toEqual(['a@x.test', '"B" <b@x.test>']);
    const eleven = Array.from({ length: 11 }, (_, i) => `r${i}@x.test`);
    reject(withField('replyTo', eleven));
    reject(withField('replyTo', 42));
  });
});

describe('email input: subject and headers cannot smuggle headers', () => {
  test.each(['Hi\r\nBcc: evil@attacker.test', 'Hi\nBcc: evil@attacker.test', 'Hi\rX: y', '\r\n', 'trailing\n'])(
    'CR or LF in the subject (%j)',
    (subject) => {
      expect(reject(withField('subject', subject)).join()).toMatch(/subject may not contain CR or LF/);
    },
  );

  test('a subject up to 998 characters, not more', () => {
    accept(withField('subject', 's'.repeat(998)));
    reject(withField('subject', 's'.repeat(999)));
  });

  test.each([
    'X-Campaign',
    'x-campaign',
    'X-A',
    `X-${'a'.repeat(64)}`,
    'List-Unsubscribe',
    'List-Unsubscribe-Post',
    'List-Id',
    'In-Reply-To',
    'References',
    'Precedence',
    'Auto-Submitted',
    'list-id',
  ])('allowed header %s', (name) => {
    expect(accept(withField('headers', { [name]: 'v' })).headers).toEqual({ [name]: 'v' });
  });

  test.each([
    'Message-ID',
    'message-id',
    'Bcc',
    'Cc',
    'To',
    'From',
    'Sender',
    'Reply-To',
    'Return-Path',
    'Received',
    'Subject',
    'Date',
    'Content-Type',
    'Content-Transfer-Encoding',
    'MIME-Version',
    'DKIM-Signature',
    'Authentication-Results',
    'Disposition-Notification-To',
    'X-',
    `X-${'a'.repeat(65)}`,
    'X-Bad Name',
    'X-Bad:Name',
    'X-Bad\r\nBcc',
    'X-Ünicode',
    'Xfoo',
    '',
  ])('reserved or malformed header name %j', (name) => {
    expect(reject(withField('headers', { [name]: 'v' })).join()).toMatch(/may not be set/);
  });

  test.each(['v\r\nBcc: evil@attacker.test', 'v\nX-Injected: 1', 'v\r'])('CR or LF in a header value (%j)', (value) => {
    expect(reject(withField('headers', { 'X-Campaign': value })).join()).toMatch(/header value may not contain CR or LF/);
  });

  test('header values up to 998 characters; at most 50 headers', () => {
    accept(withField('headers', { 'X-A': 'v'.repeat(998) }));
    reject(withField('headers', { 'X-A': 'v'.repeat(999) }));
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`X-H${i}`, 'v']));
    accept(withField('headers', fifty));
    expect(reject(withField('headers', { ...fifty, 'X-H50': 'v' })).join()).toMatch(/at most 50 headers/);
  });
});

describe('email input: sendAt', () => {
  const iso = (ms: number) => new Date(ms).toISOString();

  test('an ISO date-time with an offset becomes a Date', () => {
    const at = Date.now() + DAY;
    expect(accept(withField('sendAt', iso(at))).sendAt).toEqual(new Date(at));
    expect(accept(withField('sendAt', '2020-01-01T09:00:00+01:00')).sendAt).toEqual(new Date('2020-01-01T08:00:00Z'));
    expect(accept(withField('sendAt', '2020-01-01T09:00-0130')).sendAt).toEqual(new Date('2020-01-01T10:30:00Z'));
    expect(accept(withField('sendAt', '2020-01-01T09:00:00.123456789Z')).sendAt).toEqual(new Date('2020-01-01T09:00:00.123Z'));
  });

  test('is optional', () => {
    expect(accept(minimal).sendAt).toBeUndefined();
  });

  test.each([
    '2030-01-01T09:00:00',
    '2030-01-01 09:00:00Z',
    '2030-01-01',
    '09:00Z',
    'tomorrow',
    '1893456000',
    '',
    '2030-01-01T09:00:00+01',
    '2030-01-01T09:00:00 Z',
  ])('without an offset, or not ISO 8601 (%j)', (sendAt) => {
    expect(reject(withField('sendAt', sendAt)).join()).toMatch(/sendAt must be an ISO 8601 date-time with an offset/);
  });

  test.each([
    '2030-13-01T00:00:00Z',
    '2030-00-10T00:00:00Z',
    '2030-01-00T00:00:00Z',
    '2030-01-01T23:60:00Z',
    '2030-01-01T09:00:00+99:99',
  ])('shaped like a date but not one (%s)', (sendAt) => {
    expect(reject(withField('sendAt', sendAt)).join()).toMatch(/not a real date/);
  });

  // V8's Date rolls these over (Feb 31 → Mar 3) instead of refusing them; an email would silently be
  // scheduled for a different day than the client asked.
  test.each(['2026-02-31T00:00:00Z', '2026-04-31T10:00:00+02:00', '2027-02-29T00:00:00Z'])(
    'a day that does not exist in its month (%s) is not a real date',
    (sendAt) => {
      expect(reject(withField('sendAt', sendAt)).join()).toMatch(/not a real date/);
    },
  );

  test('at most maxScheduleDays ahead', () => {
    accept(withField('sendAt', iso(Date.now() + 29 * DAY)));
    expect(reject(withField('sendAt', iso(Date.now() + 31 * DAY))).join()).toMatch(/at most 30 days ahead/);
    expect(reject(withField('sendAt', '9999-12-31T23:59:59Z')).join()).toMatch(/at most 30 days ahead/);
  });
});

describe('email input: expiresAfter', () => {
  test.each([1, 60, 31_536_000])('%d seconds is accepted', (value) => {
    expect(accept(withField('expiresAfter', value)).expiresAfter).toBe(value);
  });

  test.each([0, -1, 1.5, 31_536_001, Number.MAX_SAFE_INTEGER])('%d is refused', (value) => {
    reject(withField('expiresAfter', value));
  });
});

describe('email input: metadata', () => {
  test('an object of any JSON, kept as given', () => {
    const metadata = { invoice: 42, tags: ['a', 'b'], nested: { ok: true, n: null } };
    expect(accept(withField('metadata', metadata)).metadata).toEqual(metadata);
  });

  test('nests at most 4 levels (the metadata object itself is the first)', () => {
    accept(withField('metadata', { a: { b: { c: { d: 1 } } } }));
    accept(withField('metadata', { a: [[{}]] }));
    expect(reject(withField('metadata', { a: { b: { c: { d: {} } } } })).join()).toMatch(/nest at most 4 levels/);
    expect(reject(withField('metadata', { a: [[[[]]]] })).join()).toMatch(/nest at most 4 levels/);
  });

  // The depth check recurses without a bound (and JSON.stringify runs after it whatever its verdict):
  // a deep enough value throws RangeError out of safeParse, which the API answers with a 500.
  test.each([10_000, 200_000])('metadata nested %d levels deep is a validation failure, not a thrown RangeError', (levels) => {
    const deep = JSON.parse(`{"a":${'['.repeat(levels)}${']'.repeat(levels)}}`) as unknown;
    let result: ReturnType<typeof schema.safeParse> | undefined;
    expect(() => {
      result = schema.safeParse(withField('metadata', deep));
    }).not.toThrow();
    expect(result?.success).toBe(false);
  });

  test('at most 8 KiB of JSON', () => {
    accept(withField('metadata', { s: 'x'.repeat(8000) }));
    expect(reject(withField('metadata', { s: 'x'.repeat(8200) })).join()).toMatch(/at most 8192 bytes/);
    // Bytes, not characters: 3000 three-byte characters are 9000 bytes.
    reject(withField('metadata', { s: '€'.repeat(3000) }));
  });

  test('keys of at most 128 characters', () => {
    accept(withField('metadata', { ['k'.repeat(128)]: 1 }));
    reject(withField('metadata', { ['k'.repeat(129)]: 1 }));
  });
});
