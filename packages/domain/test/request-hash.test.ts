import { requestHash } from '../src/emails/request-hash';

describe('requestHash', () => {
  const body = {
    from: 'a@x.test',
    to: [{ address: 'b@x.test', name: null }],
    subject: 'Hi',
    metadata: { a: 1, b: { c: 2, d: [1, 2] } },
  };

  test('is a hex SHA-256', () => {
    expect(requestHash(body)).toMatch(/^[0-9a-f]{64}$/);
  });

  test('does not depend on key order, at any depth', () => {
    const reordered = {
      metadata: { b: { d: [1, 2], c: 2 }, a: 1 },
      subject: 'Hi',
      to: [{ name: null, address: 'b@x.test' }],
      from: 'a@x.test',
    };
    expect(requestHash(reordered)).toBe(requestHash(body));
  });

  test('a Date hashes as its ISO string, so a replay with the same instant matches', () => {
    expect(requestHash({ sendAt: new Date('2030-01-01T00:00:00Z') })).toBe(
      requestHash({ sendAt: new Date(Date.UTC(2030, 0, 1)) }),
    );
    expect(requestHash({ sendAt: new Date('2030-01-01T00:00:00Z') })).not.toBe(
      requestHash({ sendAt: new Date('2030-01-01T00:00:01Z') }),
    );
  });

  test.each([
    ['a different value', { ...body, subject: 'Hi!' }],
    ['a nested value', { ...body, metadata: { a: 1, b: { c: 3, d: [1, 2] } } }],
    ['array order', { ...body, metadata: { a: 1, b: { c: 2, d: [2, 1] } } }],
    ['an extra field', { ...body, text: 'x' }],
    ['a missing field', { from: body.from, to: body.to, subject: body.subject }],
    ['a type (number vs string)', { ...body, metadata: { a: '1', b: { c: 2, d: [1, 2] } } }],
    ['null vs absent', { ...body, html: null }],
  ])('differs for %s', (_what, other) => {
    expect(requestHash(other)).not.toBe(requestHash(body));
  });

  test('a value that looks like a key-value boundary does not collide with a different structure', () => {
    expect(requestHash({ a: 'b', c: 'd' })).not.toBe(requestHash({ a: 'b","c":"d' }));
  });
});
