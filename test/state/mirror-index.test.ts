import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIndex, parseIndex, type IndexEntry } from '../../src/state/mirror-index.js';

const entry = (path: string, mode = 0o644): IndexEntry => ({ path, digest: 'a'.repeat(40), mode, size: 12, mtimeMs: 1763900000123.457 });

test('formatIndex and parseIndex round-trip, sorted, modes in octal, fractional mtimes exact', () => {
  const entries = [entry('lb1/etc/x y.conf'), entry('lb0/etc/keepalived/keepalived.conf', 0o600)];
  const text = formatIndex(entries);
  assert.match(text, /^# kubeha render index v2/);
  assert.match(text, / 600 12 /);
  const back = parseIndex(text);
  assert.deepEqual([...back.keys()], ['lb0/etc/keepalived/keepalived.conf', 'lb1/etc/x y.conf']);
  assert.deepEqual(back.get('lb1/etc/x y.conf'), entries[0]);
  assert.deepEqual(back.get('lb0/etc/keepalived/keepalived.conf'), entries[1]);
});

test('parseIndex keeps bare paths of an older index without metadata and drops paths that escape the mirror', () => {
  const back = parseIndex('lb0/etc/haproxy/haproxy.cfg\n../../etc/passwd\nlb0/../../x\n\n');
  assert.deepEqual([...back.entries()], [['lb0/etc/haproxy/haproxy.cfg', undefined]]);
});
