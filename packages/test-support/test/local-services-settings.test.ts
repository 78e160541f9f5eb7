import path from 'node:path';
import { DEFAULT_PG_OS_USER, LocalServiceError, readLocalServicesSettings } from '../src/local-services';

test('defaults: the conventional servers, the private ports, one cluster owner for scripts and tests', () => {
  const settings = readLocalServicesSettings({ PATH: '/usr/bin' }, '/repo');
  expect(settings).toMatchObject({
    repoRoot: '/repo',
    localDir: path.join('/repo', '.local'),
    searchPath: '/usr/bin',
    systemRoot: '/',
    postgres: { defaultUrl: 'postgresql://postgres@127.0.0.1:5432/postgres', localPort: 55432, osUser: DEFAULT_PG_OS_USER },
    redis: { defaultUrl: 'redis://127.0.0.1:6379', localPort: 56379 },
    chromiumPath: '/usr/bin/chromium',
  });
  expect(DEFAULT_PG_OS_USER).toBe('postdate-pg');
});

test('every POSTDATE_* override is honoured', () => {
  const settings = readLocalServicesSettings(
    {
      POSTDATE_DEFAULT_PG_URL: 'postgresql://postgres@127.0.0.1:1/postgres',
      POSTDATE_DEFAULT_REDIS_URL: 'redis://127.0.0.1:1',
      POSTDATE_LOCAL_PG_PORT: '6543',
      POSTDATE_LOCAL_REDIS_PORT: '6380',
      POSTDATE_PG_OS_USER: 'pgowner',
      CHROMIUM_PATH: '/opt/chrome',
    },
    '/repo',
  );
  expect(settings.postgres).toEqual({ defaultUrl: 'postgresql://postgres@127.0.0.1:1/postgres', localPort: 6543, osUser: 'pgowner' });
  expect(settings.redis).toEqual({ defaultUrl: 'redis://127.0.0.1:1', localPort: 6380 });
  expect(settings.chromiumPath).toBe('/opt/chrome');
});

test('a port that is not one is refused by name', () => {
  expect(() => readLocalServicesSettings({ POSTDATE_LOCAL_PG_PORT: 'five' }, '/repo')).toThrow(LocalServiceError);
  expect(() => readLocalServicesSettings({ POSTDATE_LOCAL_REDIS_PORT: '70000' }, '/repo')).toThrow(/POSTDATE_LOCAL_REDIS_PORT/);
});
