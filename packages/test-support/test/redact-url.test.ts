import { redactUrl } from '../src/local-services';

test.each([
  ['postgresql://app:s3cret@127.0.0.1:5432/postdate', 'postgresql://app:***@127.0.0.1:5432/postdate'],
  ['redis://:s3cret@127.0.0.1:6379/0', 'redis://:***@127.0.0.1:6379/0'],
  ['postgresql://postgres@127.0.0.1:5432/postgres', 'postgresql://postgres@127.0.0.1:5432/postgres'],
  ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379'],
  ['postgresql://app:p%40ss@127.0.0.1/db?schema=public', 'postgresql://app:***@127.0.0.1/db?schema=public'],
])('%s → %s', (url, redacted) => {
  expect(redactUrl(url)).toBe(redacted);
});

test('a string that is not a URL still loses what sits between "user:" and "@"', () => {
  expect(redactUrl('postgresql://app:s3cret@[not a host/db')).toBe('postgresql://app:***@[not a host/db');
});
