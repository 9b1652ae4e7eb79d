import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeModel } from '../../src/analyze/index.js';
import type { HaModel } from '../../src/model/types.js';
import { bothLbs, clone, goodModel } from './build.js';

// `bind VIP:port` on a host that does not hold the VIP: HAProxy cannot bind (EADDRNOTAVAIL) and does not start,
// unless net.ipv4.ip_nonlocal_bind=1 or the bind says `transparent` (IP_TRANSPARENT).
function bindVip(o: { transparent?: boolean; nonlocal?: boolean; iface?: string }): HaModel {
  const m = clone(goodModel());
  bothLbs(m, (h) => {
    h.sysctl = o.nonlocal ? { 'net.ipv4.ip_nonlocal_bind': '1' } : {};
    for (const fe of h.haproxy?.frontends ?? [])
      fe.binds = [{ address: '10.0.0.100', port: 6443, ...(o.transparent ? { transparent: true } : {}), ...(o.iface ? { interface: o.iface } : {}) }];
  });
  return m;
}
const failover = (m: HaModel): boolean | undefined => {
  const r = analyzeModel(m);
  const holder = r.scenarios.find((s) => s.failure === 'none')?.vipHolders[0];
  return r.scenarios.find((s) => s.failure === `haproxy-down:${holder}`)?.apiReachable;
};

describe('binding the VIP', () => {
  it('without ip_nonlocal_bind the backup HAProxy never started: a dead HAProxy on the holder leaves no path', () => {
    assert.equal(failover(bindVip({})), false);
  });
  it('`transparent` on the bind lets the backup HAProxy start (no false alarm)', () => {
    const m = bindVip({ transparent: true });
    assert.equal(failover(m), true);
    assert.ok(!analyzeModel(m).findings.some((f) => f.rule === 'haproxy-bind-vip-nonlocal'));
  });
  it('ip_nonlocal_bind=1 does too', () => {
    assert.equal(failover(bindVip({ nonlocal: true })), true);
  });
  it('`interface` other than the VIP interface accepts nothing; the VIP interface is fine', () => {
    assert.equal(analyzeModel(bindVip({ nonlocal: true, iface: 'eth9' })).scenarios.find((s) => s.failure === 'none')?.apiReachable, false);
    assert.equal(analyzeModel(bindVip({ nonlocal: true, iface: 'eth0' })).scenarios.find((s) => s.failure === 'none')?.apiReachable, true);
  });
});

describe('bind options read by the parser', () => {
  it('transparent, interface, v6only, v4v6, accept-proxy', async () => {
    const { parseHaproxy } = await import('../../src/parse/haproxy/index.js');
    const { memoryFileSource } = await import('../../src/parse/file-source.js');
    const cfg = 'frontend f\n  timeout client 1m\n  bind 10.0.0.100:6443 transparent interface eth1\n  bind :::6443 v6only\n  bind :::6444 v6only v4v6\n  bind :::6445\n  bind *:6446 accept-proxy\n  bind :::6447 v4v6\n';
    const { config } = parseHaproxy(memoryFileSource({ '/h.cfg': cfg }), '/h.cfg');
    const [a, b, c, d, e, f] = config.frontends[0]?.binds ?? [];
    assert.equal(a?.transparent, true);
    assert.equal(a?.interface, 'eth1');
    assert.equal(b?.v6only, true);
    assert.equal(c?.v6only, true, 'v6only wins over v4v6 whatever the order (HAProxy 2.6.12)');
    assert.equal(f?.v6only, false);
    assert.equal(d?.v6only, undefined, 'neither keyword: the kernel default decides');
    assert.equal(e?.acceptProxy, true);
    assert.equal(b?.acceptProxy, undefined);
  });
  it('net.ipv6.bindv6only=1 makes a bare `:::port` bind IPv6-only, not one with v4v6', async () => {
    const { parseHaproxy } = await import('../../src/parse/haproxy/index.js');
    const { memoryFileSource } = await import('../../src/parse/file-source.js');
    const { resolveV6only, frontendsOn } = await import('../../src/model/listeners.js');
    const cfg = 'frontend f\n  timeout client 1m\n  bind :::6443\n  bind :::6444 v4v6\n';
    for (const [sysctl, v4ok] of [['1', false], ['0', true], [undefined, true]] as const) {
      const { config } = parseHaproxy(memoryFileSource({ '/h.cfg': cfg }), '/h.cfg');
      const sysctls: Record<string, string> = sysctl === undefined ? {} : { 'net.ipv6.bindv6only': sysctl };
      const host = { name: 'lb0', address: '10.0.0.11', sysctl: sysctls, files: {}, haproxy: config };
      resolveV6only(host);
      assert.equal(frontendsOn(config, 6443, '10.0.0.100').length > 0, v4ok, `bindv6only=${sysctl}`);
      assert.equal(frontendsOn(config, 6444, '10.0.0.100').length, 1, 'v4v6 always takes IPv4');
    }
  });
});
