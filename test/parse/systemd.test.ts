import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryFileSource } from '../../src/parse/file-source.js';
import { parseKeepalived } from '../../src/parse/keepalived/index.js';
import { loadMirror } from '../../src/parse/mirror.js';
import { commandWrites, execLines, shellScript, unitFileWrites } from '../../src/parse/systemd.js';
import { renderHaproxyDropin, renderKeepalivedDropin } from '../../src/render/systemd.js';
import { dedicatedSpec } from '../render/specs.js';

describe('systemd hooks: which files a unit writes', () => {
  test('shellScript unwraps sh -c and the Exec prefixes', () => {
    assert.equal(shellScript(`-/bin/sh -c 'echo 1 > /run/x'`), 'echo 1 > /run/x');
    assert.equal(shellScript(`/usr/bin/bash -c "echo \\"a\\" > /run/x"`), 'echo "a" > /run/x');
    assert.equal(shellScript('/usr/bin/touch /run/x'), '/usr/bin/touch /run/x');
  });

  test('commandWrites: echo/printf/redirect/rm/conditional; appends are not writes', () => {
    assert.deepEqual(commandWrites(`-/bin/sh -c 'echo 1 > /run/x'`), [{ file: '/run/x', content: { kind: 'literal', value: '1' } }]);
    assert.deepEqual(commandWrites(`/bin/sh -c "printf '0\\n' > /run/x; rm -f /run/y"`), [
      { file: '/run/x', content: { kind: 'literal', value: '0' } },
      { file: '/run/y', content: { kind: 'deleted' } },
    ]);
    assert.deepEqual(commandWrites(`/bin/sh -c ': > /run/x'`), [{ file: '/run/x', content: { kind: 'literal', value: '' } }]);
    assert.deepEqual(commandWrites(`/bin/sh -c 'date > /run/x'`), [{ file: '/run/x', content: { kind: 'unknown' } }]);
    assert.deepEqual(commandWrites(`/bin/sh -c 'echo 1 >> /run/x'`), []);
    assert.deepEqual(commandWrites(`/bin/sh -c 'if systemctl is-active --quiet haproxy; then echo 0; else echo 1; fi > /run/x'`), [
      { file: '/run/x', content: { kind: 'unit-state', unit: 'haproxy.service', active: '0', inactive: '1' } },
    ]);
  });

  test('execLines: [Service] only, continuation lines, an empty assignment clears the list, systemd order', () => {
    const lines = execLines([
      { path: '/u.service', text: '[Unit]\nExecStart=/not/service\n[Service]\nExecReload=/bin/kill -HUP $MAINPID\nExecStopPost=/a\\\n  b\n' },
      { path: '/u.service.d/x.conf', text: '[Service]\nExecReload=\nExecReload=/bin/true\nExecStartPre=/pre\n' },
    ]);
    assert.deepEqual(lines.map((l) => [l.directive, l.command, l.at.file, l.at.line]), [
      ['ExecStartPre', '/pre', '/u.service.d/x.conf', 4],
      ['ExecReload', '/bin/true', '/u.service.d/x.conf', 3],
      ['ExecStopPost', '/a b', '/u.service', 5],
    ]);
  });

  test("kubeha's rendered drop-ins: haproxy.service writes 0 on start and 1 on stop; keepalived.service writes HAProxy's state", () => {
    const spec = dedicatedSpec();
    const host = spec.hosts[0];
    assert.ok(host);
    const hap = unitFileWrites('haproxy.service', [{ path: '/d/kubeha.conf', text: renderHaproxyDropin(spec, host) }]);
    assert.deepEqual(hap.map((w) => [w.on, w.directive, w.file, w.content]), [
      ['start', 'ExecStartPost', '/run/kubeha-haproxy-down', { kind: 'literal', value: '0' }],
      ['stop', 'ExecStopPost', '/run/kubeha-haproxy-down', { kind: 'literal', value: '1' }],
    ]);
    const ka = unitFileWrites('keepalived.service', [{ path: '/d/kubeha.conf', text: renderKeepalivedDropin(spec, host) }]);
    const state = { kind: 'unit-state', unit: 'haproxy.service', active: '0', inactive: '1' };
    assert.deepEqual(ka.map((w) => [w.on, w.directive, w.content]), [
      ['start', 'ExecStartPre', state],
      ['reload', 'ExecReload', state],
    ]);
  });

  test('loadMirror reads unit files and drop-ins under /etc/systemd/system and the track_file state file', () => {
    const { model } = loadMirror(
      memoryFileSource({
        '/hosts.yaml': 'endpoint: 10.0.0.10:6443\nhosts:\n  - {name: lb0, address: 10.0.0.2}\n',
        '/lb0/etc/keepalived/keepalived.conf':
          'track_file f {\n  file /run/f\n  weight -10 reverse\n  init_file 2 overwrite\n}\nvrrp_instance V {\n  interface eth0\n  virtual_router_id 9\n  virtual_ipaddress { 10.0.0.10 }\n  track_file { f }\n}\n',
        '/lb0/run/f': '1\n',
        '/lb0/etc/systemd/system/haproxy.service.d/10-a.conf': "[Service]\nExecStopPost=/bin/sh -c 'echo 1 > /run/f'\n",
        '/lb0/etc/systemd/system/haproxy.service.d/notes.txt': "[Service]\nExecStopPost=/bin/sh -c 'echo 9 > /run/f'\n",
        '/lb0/etc/systemd/system/foo.service': "[Service]\nExecStart=/bin/sh -c 'echo 0 > /run/g'\n",
      }),
    );
    const lb0 = model?.hosts[0];
    assert.ok(lb0);
    assert.deepEqual(lb0.unitFileWrites?.map((w) => [w.unit, w.on, w.file, w.content, w.at?.file]), [
      ['foo.service', 'start', '/run/g', { kind: 'literal', value: '0' }, '/lb0/etc/systemd/system/foo.service'],
      ['haproxy.service', 'stop', '/run/f', { kind: 'literal', value: '1' }, '/lb0/etc/systemd/system/haproxy.service.d/10-a.conf'],
    ]);
    assert.equal(lb0.files['/run/f'], '1\n');
    assert.deepEqual(lb0.keepalived?.trackFiles['f'], { name: 'f', file: '/run/f', weight: -10, weightReverse: true, init: { value: 2, overwrite: true }, at: lb0.keepalived?.trackFiles['f']?.at });
  });

  test('init_file without a value is 0', () => {
    const { config } = parseKeepalived(memoryFileSource({ '/k.conf': 'track_file f {\n  file /run/f\n  init_file\n}\n' }), '/k.conf');
    assert.deepEqual(config.trackFiles['f']?.init, { value: 0, overwrite: false });
  });
});
