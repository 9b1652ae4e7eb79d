import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { DELAYER_SCRIPT, DELAYER_SOURCE, DELAY_COMMENT, DELAY_QUEUE, delayRules, delayerDirName } from '../../src/lab/delayer.js';

test('delayRules: both directions on the host NIC only, to the queue, fail-open, marked as kubeha\'s', () => {
  const rules = delayRules('eth7', 12);
  assert.deepEqual(
    rules.map((r) => r.slice(0, 3)),
    [
      ['PREROUTING', '-i', 'eth7'],
      ['POSTROUTING', '-o', 'eth7'],
    ],
  );
  for (const r of rules) {
    assert.deepEqual(r.slice(r.indexOf('-j')), ['-j', 'NFQUEUE', '--queue-num', '12', '--queue-bypass']);
    assert.equal(r[r.indexOf('--comment') + 1], DELAY_COMMENT);
  }
  assert.ok(delayRules('eth0').every((r) => r.includes(String(DELAY_QUEUE))));
});

test('delayerDirName: the cache key scripts/delayer.sh uses (first 16 hex of the source\'s sha256)', () => {
  const src = readFileSync(DELAYER_SOURCE);
  const sum = spawnSync('sha256sum', [DELAYER_SOURCE], { encoding: 'utf8' }).stdout.slice(0, 16);
  assert.equal(delayerDirName(src), `delayer-${sum}`);
  assert.notEqual(delayerDirName(Buffer.concat([src, Buffer.from('\n')])), delayerDirName(src), 'a changed source is a new build');
  assert.match(readFileSync(DELAYER_SCRIPT, 'utf8'), /delayer-\$hash/);
});

// The delayer's netlink encoding and decoding, by its own Go tests (scripts/delayer/main_test.go), when Go is here.
const GO = ['/usr/local/go/bin/go', 'go'].find((g) => spawnSync(g, ['version']).status === 0);
test('the delayer encodes and decodes nfnetlink_queue messages (go test)', { skip: GO ? false : 'no Go toolchain', timeout: 600_000 }, () => {
  const dir = new URL('../../scripts/delayer/', import.meta.url).pathname;
  const r = spawnSync('sh', ['-c', `t=$(mktemp -d) && cp main.go main_test.go "$t" && cd "$t" && ${GO} mod init kubeha.local/delayer >/dev/null 2>&1 && CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS= ${GO} test ./... ; rc=$?; rm -rf "$t"; exit $rc`], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /^ok/m);
});
