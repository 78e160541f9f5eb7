import { addressKey, formatAddress, parseAddress, type ParsedAddress } from '../src/emails/parse-address';

function ok(raw: string): ParsedAddress {
  const parsed = parseAddress(raw);
  if ('error' in parsed) throw new Error(`expected ${JSON.stringify(raw)} to parse, got: ${parsed.error}`);
  return parsed;
}

function rejected(raw: string): string {
  const parsed = parseAddress(raw);
  if (!('error' in parsed)) throw new Error(`expected ${JSON.stringify(raw)} to be rejected, got ${JSON.stringify(parsed)}`);
  return parsed.error;
}

describe('parseAddress: what it accepts', () => {
  test('a bare address, trimmed, with no display name', () => {
    expect(ok('  bob@example.com ')).toEqual({ address: 'bob@example.com', name: null });
  });

  test('a display name, plain or quoted; an empty name is no name', () => {
    expect(ok('Bob Smith <bob@example.com>')).toEqual({ address: 'bob@example.com', name: 'Bob Smith' });
    expect(ok('"Smith, Bob" <bob@example.com>')).toEqual({ address: 'bob@example.com', name: 'Smith, Bob' });
    expect(ok('<bob@example.com>')).toEqual({ address: 'bob@example.com', name: null });
    expect(ok('Jöhn Dœ <john@example.com>').name).toBe('Jöhn Dœ');
  });

  test('keeps the local part as written (a server may treat it case-sensitively), lower-cases the domain', () => {
    expect(ok('Bob <Bob.Smith@Example.COM>')).toEqual({ address: 'Bob.Smith@example.com', name: 'Bob' });
  });

  test('addressKey judges two spellings of one address the same, and different local parts different', () => {
    expect(addressKey(ok('Bob.Smith@Example.COM').address)).toBe(addressKey(ok('bob.smith@example.com').address));
    expect(addressKey(ok('bob@example.com').address)).not.toBe(addressKey(ok('bobby@example.com').address));
  });

  test('an IDN domain becomes punycode', () => {
    expect(ok('user@bücher.de').address).toBe('user@xn--bcher-kva.de');
    expect(ok('User <USER@Bücher.DE>').address).toBe('USER@xn--bcher-kva.de');
    expect(ok('info@例え.jp').address).toBe('info@xn--r8jz45g.jp');
  });

  test('the special characters RFC 5322 allows in an unquoted local part', () => {
    expect(ok("a.b+tag!#$%&'*/=?^_`{|}~-@example.com").address).toBe("a.b+tag!#$%&'*/=?^_`{|}~-@example.com");
  });

  test('a local part of exactly 64 characters and an address of exactly 254', () => {
    expect(ok(`${'a'.repeat(64)}@example.com`).address).toHaveLength(76);
    // 64 + 1 + 189 = 254: three 61-character labels and "com" make a 189-character domain.
    const domain = `${'b'.repeat(61)}.${'c'.repeat(61)}.${'d'.repeat(61)}.com`;
    expect(domain).toHaveLength(189);
    expect(ok(`${'a'.repeat(64)}@${domain}`).address).toHaveLength(254);
  });
});

describe('parseAddress: what it refuses', () => {
  test('a local part over 64 characters', () => {
    expect(rejected(`${'a'.repeat(65)}@example.com`)).toMatch(/64/);
  });

  test('an address over 254 characters', () => {
    const domain = `${'b'.repeat(61)}.${'c'.repeat(61)}.${'d'.repeat(61)}.${'e'.repeat(3)}.com`;
    expect(rejected(`${'a'.repeat(64)}@${domain}`)).toMatch(/254/);
  });

  test.each([
    ['CR in the address', 'bob@example.com\r'],
    ['LF in the address', 'bob@exa\nmple.com'],
    ['CRLF + header in the display name', 'Bob\r\nBcc: evil@attacker.test <bob@example.com>'],
    ['LF in the display name', 'Bob\n <bob@example.com>'],
    ['NUL', 'bob\u0000@example.com'],
    ['TAB', 'Bob\tSmith <bob@example.com>'],
    ['DEL', 'bob\u007f@example.com'],
    ['ESC', '\u001b[31mBob <bob@example.com>'],
  ])('a control character: %s', (_what, raw) => {
    expect(rejected(raw)).toMatch(/control character/);
  });

  // Not a control character, but not text either: Postgres (jsonb) refuses it, text columns turn it into U+FFFD.
  test.each([
    ['high', 'Bob\ud800 <bob@example.com>'],
    ['low', '\udc00 <bob@example.com>'],
  ])('an unpaired %s surrogate in the display name', (_what, raw) => {
    rejected(raw);
  });

  test('a surrogate pair (an emoji) in the display name is fine', () => {
    expect(ok('Bob 🎉 <bob@example.com>').name).toBe('Bob 🎉');
  });

  test.each([
    ['quoted local part', '"bob smith"@example.com'],
    ['quoted local part with a name', 'Bob <"bob"@example.com>'],
    ['no @', 'bob.example.com'],
    ['nothing before @', '@example.com'],
    ['nothing after @', 'bob@'],
    ['two @', 'bob@evil@example.com'],
    ['single-label domain', 'bob@localhost'],
    ['domain with underscore', 'bob@exa_mple.com'],
    ['label starting with -', 'bob@-example.com'],
    ['label ending with -', 'bob@example-.com'],
    ['empty label', 'bob@example..com'],
    ['trailing dot', 'bob@example.com.'],
    ['leading dot in local part', '.bob@example.com'],
    ['trailing dot in local part', 'bob.@example.com'],
    ['double dot in local part', 'bo..b@example.com'],
    ['space in local part', 'bo b@example.com'],
    ['comma-separated list', 'bob@example.com, eve@example.com'],
    ['IP literal', 'bob@[127.0.0.1]'],
    ['label over 63 characters', `bob@${'x'.repeat(64)}.com`],
    ['empty string', ''],
    ['whitespace only', '   '],
  ])('not an address: %s', (_what, raw) => {
    rejected(raw);
  });

  test.each([
    ['<', 'Bob <Evil> <bob@example.com>'],
    ['"', 'Bob "The Builder" <bob@example.com>'],
    ['quote inside a quoted name', '"Bob "x" Smith" <bob@example.com>'],
  ])('a display name containing %s', (_what, raw) => {
    expect(rejected(raw)).toMatch(/display name/);
  });

  test('a display name over 200 characters', () => {
    expect(rejected(`${'n'.repeat(201)} <bob@example.com>`)).toMatch(/200/);
    expect(ok(`${'n'.repeat(200)} <bob@example.com>`).name).toHaveLength(200);
  });

  // A backslash in a name that formatAddress wraps in quotes escapes the closing quote: `"Foo\" <a@b.co>`
  // is then read by nodemailer as one quoted local part `"Foo\"  a"@b.co` — an address we claim to refuse.
  test('a display name ending in a backslash (it would escape the closing quote)', () => {
    expect(rejected('Foo\\ <bob@example.com>')).toMatch(/display name/);
  });

  // An all-numeric top-level label is not a host name (RFC 3696 §2); the WHATWG parser behind
  // domainToASCII even rewrites `0x7f.1` to `127.0.0.1`. A relay would try to reach that host.
  test.each([
    ['dotted quad', 'bob@127.0.0.1'],
    ['hex IPv4 the URL parser normalises', 'bob@0x7f.1'],
  ])('an IPv4 address as the domain: %s', (_what, raw) => {
    rejected(raw);
  });

  // `%` is no host-name character; domainToASCII percent-decodes it into a different domain.
  test('a percent-encoded domain is refused, not silently decoded into another domain', () => {
    rejected('bob@exa%41mple.com');
  });
});

describe('formatAddress', () => {
  test('quotes the display name so commas and @ in it stay in the name', () => {
    expect(formatAddress(ok('Smith, Bob <bob@example.com>'))).toBe('"Smith, Bob" <bob@example.com>');
    expect(formatAddress(ok('bob@example.com'))).toBe('bob@example.com');
  });

  test('round-trips: what it renders parses back to the same address and name', () => {
    for (const raw of ['Bob <bob@example.com>', '"a@b.test, x" <bob@example.com>', 'bob@bücher.de']) {
      const parsed = ok(raw);
      expect(ok(formatAddress(parsed))).toEqual(parsed);
    }
  });
});
