import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { memoryFileSource } from '../../src/parse/file-source.js';
import { loadMirror } from '../../src/parse/mirror.js';

// systemd-sysctl (sysctl.d(5)): *.conf from /etc, /run, /usr/local/lib, /usr/lib, /lib sysctl.d; a file of an
// earlier directory hides one of the same name later; files apply in name order, later settings win.
const manifest = 'endpoint: 10.0.0.100:6443\nhosts:\n  - { name: lb0, address: 10.0.0.10 }\n';
function sysctlOf(files: Record<string, string>): Record<string, string> {
  const fs = memoryFileSource({ '/hosts.yaml': manifest, ...Object.fromEntries(Object.entries(files).map(([k, v]) => [`/lb0${k}`, v])) });
  const { model } = loadMirror(fs);
  return model?.hosts[0]?.sysctl ?? {};
}

describe('sysctl merge in systemd-sysctl order', () => {
  it('a later file name wins across directories', () => {
    const s = sysctlOf({ '/usr/lib/sysctl.d/50-default.conf': 'net.ipv4.ip_nonlocal_bind = 1\n', '/etc/sysctl.d/10-off.conf': 'net.ipv4.ip_nonlocal_bind = 0\n' });
    assert.equal(s['net.ipv4.ip_nonlocal_bind'], '1');
  });
  it('/etc/sysctl.d hides a file of the same name in /usr/lib/sysctl.d', () => {
    const s = sysctlOf({ '/usr/lib/sysctl.d/50-x.conf': 'net.ipv4.ip_nonlocal_bind = 1\n', '/etc/sysctl.d/50-x.conf': 'net.ipv4.ip_forward = 1\n' });
    assert.equal(s['net.ipv4.ip_nonlocal_bind'], undefined);
    assert.equal(s['net.ipv4.ip_forward'], '1');
  });
  it('/etc/sysctl.conf comes last without the 99-sysctl.conf link', () => {
    const s = sysctlOf({ '/etc/sysctl.d/99-z.conf': 'net.ipv4.ip_nonlocal_bind = 0\n', '/etc/sysctl.conf': 'net.ipv4.ip_nonlocal_bind = 1\n' });
    assert.equal(s['net.ipv4.ip_nonlocal_bind'], '1');
  });
  it('with Debian 99-sysctl.conf present, sysctl.conf applies at that place: a later file still wins', () => {
    const s = sysctlOf({ '/etc/sysctl.d/99-sysctl.conf': 'net.ipv4.ip_nonlocal_bind = 1\n', '/etc/sysctl.d/99-z.conf': 'net.ipv4.ip_nonlocal_bind = 0\n', '/etc/sysctl.conf': 'net.ipv4.ip_nonlocal_bind = 1\n' });
    assert.equal(s['net.ipv4.ip_nonlocal_bind'], '0');
  });
});
