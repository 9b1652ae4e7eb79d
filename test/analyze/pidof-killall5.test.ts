import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { simulate } from '../../src/analyze/simulate/index.js';
import type { HaModel } from '../../src/model/types.js';
import { bothLbs, clone, goodModel } from './build.js';

/** The good model (two LBs, `/usr/bin/pidof haproxy` weight −20) on a given distribution. */
function on(osRelease: string | undefined, cmd = '/usr/bin/pidof haproxy'): HaModel {
  const m = clone(goodModel());
  bothLbs(m, (h) => {
    if (osRelease !== undefined) h.files['/etc/os-release'] = osRelease;
    const s = h.keepalived?.scripts['chk_haproxy'];
    if (s) s.script = cmd;
  });
  return m;
}

const holderAfter = (m: HaModel, failure: string): string[] => {
  const s = simulate(m).find((x) => x.failure === failure);
  assert.ok(s, failure);
  return s.vipHolders;
};

describe('pidof as a vrrp_script command (keepalived runs the resolved path: killall5 on Debian/Ubuntu)', () => {
  const before = simulate(on(undefined)).find((x) => x.failure === 'none')!.vipHolders;
  const other = (h: string[]): string => (h[0] === 'lb0' ? 'lb1' : 'lb0');

  it('on Debian the check fails everywhere: HAProxy killed on the holder does not move the VIP', () => {
    const m = on('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n');
    assert.deepEqual(holderAfter(m, `haproxy-down:${before[0]}`), before);
  });

  it('Ubuntu (ID_LIKE=debian) and bare `pidof` behave the same', () => {
    const m = on('NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n', 'pidof haproxy');
    assert.deepEqual(holderAfter(m, `haproxy-down:${before[0]}`), before);
  });

  it('where pidof is its own binary (RHEL family), or the OS is unknown, the check tracks HAProxy', () => {
    assert.deepEqual(holderAfter(on('ID="rocky"\nID_LIKE="rhel centos fedora"\n'), `haproxy-down:${before[0]}`), [other(before)]);
    assert.deepEqual(holderAfter(on(undefined), `haproxy-down:${before[0]}`), [other(before)]);
  });

  it('a shell running pidof calls it by its name: it tracks HAProxy on Debian too', () => {
    const m = on('ID=debian\n', '/bin/sh -c "pidof haproxy"');
    assert.deepEqual(holderAfter(m, `haproxy-down:${before[0]}`), [other(before)]);
  });
});
