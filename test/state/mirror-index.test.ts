import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIndex, parseIndex, type IndexEntry } from '../../src/state/mirror-index.js';

const entry = (path: string, mode = 0o644): IndexEntry => ({ path, digest: 'a'.repeat(40), mode, size: 12, mtimeMs: 1763900000123.457 });

test('formatIndex and parseIndex round-trip, sorted, modes in octal, fractional mtimes exact', () => {
  const entries = [entry('lb1/etc/x y.conf'), entry('lb0/etc/keepalived/keepalived.conf', 0o600)];
  const text = formatIndex(entries);
  assert.match(text, /^# kubeha render index v2/);
  assert.match(text, / 600 12 /);
  const parsed = parseIndex(text);
  assert.ok('files' in parsed);
  const back = parsed.files;
  assert.deepEqual([...back.keys()], ['lb0/etc/keepalived/keepalived.conf', 'lb1/etc/x y.conf']);
  assert.deepEqual(back.get('lb1/etc/x y.conf'), entries[0]);
  assert.deepEqual(back.get('lb0/etc/keepalived/keepalived.conf'), entries[1]);
});

test('parseIndex keeps bare paths of an older index without metadata', () => {
  const parsed = parseIndex('lb0/etc/haproxy/haproxy.cfg\n\n');
  assert.ok('files' in parsed);
  assert.deepEqual([...parsed.files.entries()], [['lb0/etc/haproxy/haproxy.cfg', undefined]]);
});

test('one path render could not have written disqualifies the whole index, naming its line', () => {
  const good = `${'a'.repeat(40)} 644 1 1 lb0/etc/hosts`;
  for (const bad of ['../../etc/passwd', 'lb0/../../x', './lb0/etc/hosts', '/etc/passwd', 'lb0', 'lb0//etc/x', 'lb0/./etc', 'LB0/etc/x', 'lb0/etc/x\u0000y', `${'a'.repeat(40)} 644 1 1 ./lb0/etc/hosts`]) {
    const parsed = parseIndex(`# kubeha render index v2\n${good}\n${bad}\n`);
    assert.ok('why' in parsed, bad);
    assert.equal(parsed.line, 3, bad);
  }
});
