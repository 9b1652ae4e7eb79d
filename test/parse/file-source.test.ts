import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryFileSource } from '../../src/parse/file-source.js';

test('memoryFileSource lists implied directories, with or without a trailing slash', () => {
  const fs = memoryFileSource({ '/hosts.yaml': 'x', '/lb0/etc/haproxy/haproxy.cfg': 'a', '/lb0/etc/sysctl.d/a.conf': 'b' });
  assert.deepEqual(fs.listDir('/'), ['hosts.yaml', 'lb0']);
  assert.deepEqual(fs.listDir('/lb0/etc'), ['haproxy', 'sysctl.d']);
  assert.deepEqual(fs.listDir('/lb0/etc/'), ['haproxy', 'sysctl.d']);
  assert.equal(fs.listDir('/nope'), undefined);
  assert.equal(fs.listDir('/hosts.yaml'), undefined, 'a file is not a directory');
  assert.equal(fs.readFile('/lb0/etc/sysctl.d/a.conf'), 'b');
  assert.equal(fs.readFile('/lb0/etc'), undefined);
});
