import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdirp } from '../../src/state/mkdirp.js';

const root = mkdtempSync(join(tmpdir(), 'kubeha-mkdirp-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('mkdirp creates every missing level, with the mode, and accepts an existing directory', () => {
  const deep = join(root, 'a', 'b', 'c');
  mkdirp(deep, 0o700);
  assert.ok(statSync(deep).isDirectory());
  assert.equal(statSync(join(root, 'a')).mode & 0o777, 0o700 & ~process.umask());
  mkdirp(deep);
  assert.ok(existsSync(deep));
});

test('mkdirp throws where the file system refuses, instead of looping (Node 20 recursive mkdir spins under /proc)', { skip: !existsSync('/proc/self') && 'no /proc' }, () => {
  for (const dir of [join('/proc', `kubeha-${process.pid}`), join('/proc', `kubeha-${process.pid}`, 'x', 'y')]) {
    assert.throws(() => mkdirp(dir), (err: NodeJS.ErrnoException) => err.code === 'ENOENT', dir);
  }
  const file = join(root, 'file');
  writeFileSync(file, '');
  assert.throws(() => mkdirp(join(file, 'x')), (err: NodeJS.ErrnoException) => err.code === 'ENOTDIR');
});
