import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { allRules } from '../../src/analyze/rules/index.js';
import type { HaModel, HealthCheckKind } from '../../src/model/types.js';
import { MASTERS, bothLbs, clone, goodModel, hap, host, inst, ka, lb, masters, script } from './build.js';

type Mutate = (m: HaModel) => void;

const setScript = (cmd: string, o: Parameters<typeof script>[2] = {}): Mutate => (m) =>
  bothLbs(m, (h) => {
    if (h.keepalived) h.keepalived.scripts['chk_haproxy'] = script('chk_haproxy', cmd, { weight: -20, ...o });
  });
const eachInst = (f: (i: ReturnType<typeof inst>) => void): Mutate => (m) => bothLbs(m, (h) => h.keepalived?.instances.forEach(f));
const eachBackend = (f: (b: ReturnType<typeof hap>['backends'][number]) => void): Mutate => (m) => bothLbs(m, (h) => h.haproxy?.backends.forEach(f));
const eachFrontend = (f: (fe: ReturnType<typeof hap>['frontends'][number]) => void): Mutate => (m) => bothLbs(m, (h) => h.haproxy?.frontends.forEach(f));
const httpCheck = (hc: HealthCheckKind, checkSsl: boolean): Mutate => (m) =>
  bothLbs(m, (h) =>
    h.haproxy?.backends.forEach((b) => {
      b.healthCheck = hc;
      b.servers.forEach((s) => (s.checkSsl = checkSsl));
    }),
  );

/** kubeadm's old check_apiserver.sh: the local apiserver always, HAProxy through the VIP only on the holder. */
function holderOnlyCheck(m: HaModel): void {
  setScript('/etc/keepalived/check_apiserver.sh', { weight: -20 })(m);
  bothLbs(m, (h) => {
    h.files['/etc/keepalived/check_apiserver.sh'] =
      '#!/bin/sh\ncurl --silent --max-time 2 --insecure https://localhost:6443/ -o /dev/null || exit 1\nif ip addr | grep -q 10.0.0.100; then\n    curl --silent --max-time 2 --insecure https://10.0.0.100:6443/ -o /dev/null || exit 1\nfi\n';
  });
}

function external(o: { hairpin?: boolean; healthCheck?: boolean } = {}): HaModel {
  return {
    endpoint: { address: '10.0.0.5', port: 6443 },
    hosts: masters(),
    externalLb: { address: '10.0.0.5', port: 6443, backends: MASTERS.map((x) => ({ address: x.address, port: 6443 })), hairpin: o.hairpin ?? true, healthCheck: o.healthCheck ?? true },
  };
}

/** rule id → [a model the rule must flag, a model it must not flag (default: the good model)]. */
const cases: Record<string, { bad: Mutate | (() => HaModel); good?: () => HaModel }> = {
  'vrrp-positive-weight-below-gap': { bad: (m) => (inst(m, 'lb0').priority = 110, setScript('pidof haproxy', { weight: 5 })(m)) },
  'vrrp-negative-weight-below-gap': { bad: (m) => (inst(m, 'lb0').priority = 110, setScript('pidof haproxy', { weight: -5 })(m)) },
  'vrrp-unequal-priority-failback': { bad: (m) => (inst(m, 'lb0').priority = 101) },
  'vrrp-both-master': { bad: eachInst((i) => (i.state = 'MASTER')) },
  'vrrp-nopreempt-needs-backup': { bad: (m) => Object.assign(inst(m, 'lb0'), { state: 'MASTER', nopreempt: true }) },
  'vrrp-nopreempt-weight': {
    bad: (m) => (setScript('pidof haproxy', { weight: -50 })(m), eachInst((i) => (i.nopreempt = true))(m)),
    // weight 0 puts the instance in FAULT: nopreempt does not keep a faulted master.
    good: () => mutated((m) => (setScript('pidof haproxy', { weight: 0 })(m), eachInst((i) => (i.nopreempt = true))(m))),
  },
  'vrrp-vrid-mismatch': { bad: (m) => (inst(m, 'lb1').virtualRouterId = 43) },
  'vrrp-version-mismatch': { bad: (m) => (inst(m, 'lb1').version = 3) },
  'vrrp-auth-mismatch': { bad: (m) => (inst(m, 'lb1').auth = { type: 'PASS', pass: 'secret' }) },
  // An address only in virtual_ipaddress_excluded is not advertised: silent.
  'vrrp-vip-list-mismatch': {
    bad: (m) => inst(m, 'lb1').vips.push({ address: '10.0.0.101' }),
    good: () => mutated((m) => inst(m, 'lb1').vips.push({ address: '10.0.0.101', excluded: true })),
  },
  'vrrp-auth-pass-truncated': { bad: eachInst((i) => (i.auth = { type: 'PASS', pass: '412f7dc3bfed32194d' })) },
  'vrrp-unicast-peer-missing': { bad: (m) => (inst(m, 'lb1').unicastPeers = ['10.0.0.99']) },
  'vrrp-default-vrid': { bad: eachInst((i) => (i.virtualRouterId = 51)) },
  'vrrp-v2-subsecond-advert': { bad: eachInst((i) => (i.advertIntS = 0.5)) },
  'vrrp-advert-int-mismatch': { bad: (m) => (inst(m, 'lb1').advertIntS = 2) },
  'vrrp-fast-advert-not-realtime': {
    bad: eachInst((i) => Object.assign(i, { version: 3, advertIntS: 0.05 })),
    good: () => mutated((m) => (eachInst((i) => Object.assign(i, { version: 3, advertIntS: 0.05 }))(m), bothLbs(m, (h) => h.keepalived && (h.keepalived.vrrpRtPriority = 50)))),
  },
  'vrrp-vip-prefix': { bad: eachInst((i) => i.vips.forEach((v) => (v.prefix = 24))) },
  'vrrp-strict-drops-vip': { bad: (m) => bothLbs(m, (h) => h.keepalived && (h.keepalived.vrrpStrict = true)) },
  'vrrp-owner-priority': { bad: (m) => (inst(m, 'lb0').priority = 255) },
  'vrrp-endpoint-not-vip': { bad: eachInst((i) => i.vips.forEach((v) => (v.address = '10.0.0.101'))) },
  'track-script-unused': { bad: (m) => (ka(m, 'lb0').scripts['other'] = script('other', 'pidof haproxy')) },
  'track-script-undefined': { bad: (m) => (inst(m, 'lb0').trackScripts = [{ name: 'chk_haproxy' }, { name: 'nope' }]) },
  'track-holder-only-flaps': {
    bad: (m) => (holderOnlyCheck(m), (inst(m, 'lb0').priority = 101)),
    // Equal priorities: the returning router does not preempt, so nothing flaps.
    good: () => mutated(holderOnlyCheck),
  },
  'track-none': { bad: eachInst((i) => (i.trackScripts = [])) },
  'track-not-haproxy': { bad: setScript('/usr/bin/true') },
  'track-unknown-script': {
    bad: (m) => {
      setScript('/usr/local/bin/mystery')(m);
      bothLbs(m, (h) => (h.files['/usr/local/bin/mystery'] = '#!/bin/sh\nexit 0\n'));
    },
  },
  'track-killall-nonroot': { bad: (m) => (setScript('killall -0 haproxy')(m), bothLbs(m, (h) => h.keepalived && (h.keepalived.scriptUser = 'keepalived_script'))) },
  'track-killall-missing': { bad: (m) => (setScript('killall -0 haproxy')(m), bothLbs(m, (h) => (h.files['/usr/bin/pidof'] = ''))) },
  'track-pidof-killall5': {
    bad: (m) => bothLbs(m, (h) => (h.files['/etc/os-release'] = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n')),
    // procps-ng's pidof is a binary of its own: silent on Rocky Linux; and a script file calling pidof runs it by name.
    good: () =>
      mutated((m) => bothLbs(m, (h) => (h.files['/etc/os-release'] = 'NAME="Rocky Linux"\nID="rocky"\nID_LIKE="rhel centos fedora"\n'))),
  },
  'track-script-missing': { bad: setScript('/etc/keepalived/check_haproxy.sh') },
  'keepalived-script-security-off': { bad: (m) => bothLbs(m, (h) => h.keepalived && (h.keepalived.enableScriptSecurity = false)) },
  'keepalived-script-security-user': { bad: (m) => bothLbs(m, (h) => h.keepalived && delete h.keepalived.scriptUser) },
  'keepalived-script-root-security': {
    bad: (m) => {
      setScript('/etc/keepalived/check.sh')(m);
      bothLbs(m, (h) => (h.files['/etc/keepalived/check.sh'] = '#!/bin/sh\npidof haproxy\n'));
    },
  },
  'track-slow-detection': { bad: setScript('pidof haproxy', { intervalS: 5, fall: 3 }) },
  'track-curl-root-path': {
    bad: (m) => {
      setScript('/etc/keepalived/check.sh')(m);
      bothLbs(m, (h) => (h.files['/etc/keepalived/check.sh'] = '#!/bin/sh\ncurl -sfk https://127.0.0.1:6443/ -o /dev/null\n'));
    },
  },
  'haproxy-httpchk-no-ssl': { bad: httpCheck({ type: 'http', method: 'GET', path: '/healthz', ssl: false }, false) },
  'haproxy-httpchk-forbidden': { bad: httpCheck({ type: 'http', method: 'OPTIONS', path: '/', ssl: false }, true), good: () => mutated(httpCheck({ type: 'http', method: 'GET', path: '/readyz', ssl: false }, true)) },
  'haproxy-http-expect-mismatch': {
    bad: httpCheck({ type: 'http', method: 'GET', path: '/healthz', ssl: false, expect: 'status 204' }, true),
    good: () => mutated(httpCheck({ type: 'http', method: 'GET', path: '/healthz', ssl: false, expect: 'string ok' }, true)),
  },
  // ssl-hello-chk passes against a Go TLS server (it answers the SSLv3 hello with an alert, which the check accepts):
  // the good case must stay silent; a PROXY header on the checks, or HTTP/1.1 without Host, never passes.
  'haproxy-check-unanswerable': {
    bad: httpCheck({ type: 'http', method: 'GET', path: '/readyz', ssl: false, version: 'HTTP/1.1' }, true),
    good: () => mutated(eachBackend((b) => (b.healthCheck = { type: 'ssl-hello' }))),
  },
  'haproxy-check-unknown': {
    bad: eachBackend((b) => (b.healthCheck = { type: 'tcp-check', steps: ['connect ssl', 'send-state', 'expect custom'] })),
    good: () => mutated(eachBackend((b) => (b.healthCheck = { type: 'tcp-check', steps: ['connect ssl', 'send GET /readyz HTTP/1.0\r\n\r\n', 'expect string 200'] }))),
  },
  'vrrp-sync-group-weight-ignored': {
    bad: (m) => bothLbs(m, (h) => h.keepalived && (h.keepalived.syncGroups = [{ name: 'G', instances: ['VI_1'], trackScripts: [] }])),
    good: () => mutated((m) => bothLbs(m, (h) => h.keepalived && (h.keepalived.syncGroups = [{ name: 'G', instances: ['VI_1'], trackScripts: [], trackingWeight: true }]))),
  },
  'haproxy-route-none': {
    bad: eachFrontend((f) => {
      delete f.defaultBackend;
      f.routes = [{ backend: 'apiservers', cond: ['if', '{', 'req.ssl_sni', '-i', 'kubernetes', '}'] }];
      f.inspectDelayMs = 5000;
    }),
    // A rule on dst_port matches every client of the endpoint: silent.
    good: () =>
      mutated(
        eachFrontend((f) => {
          const be = f.defaultBackend ?? 'apiservers';
          delete f.defaultBackend;
          f.routes = [{ backend: be, cond: ['if', '{', 'dst_port', '6443', '}'] }];
        }),
      ),
  },
  // Only a connection that no SNI-less TLS client survives: a reject on "no TLS hello" with an inspect-delay passes kubectl.
  'haproxy-frontend-refuses': {
    bad: eachFrontend((f) => {
      f.inspectDelayMs = 5000;
      f.tcpRequests = [
        { layer: 'content', action: 'accept', args: [], cond: ['if', '{', 'req.ssl_sni', '-i', 'kubernetes', '}'] },
        { layer: 'content', action: 'reject', args: [], cond: [] },
      ];
    }),
    good: () =>
      mutated(
        eachFrontend((f) => {
          f.inspectDelayMs = 5000;
          f.tcpRequests = [{ layer: 'content', action: 'reject', args: [], cond: ['unless', '{', 'req.ssl_hello_type', '1', '}'] }];
        }),
      ),
  },
  // SO_BINDTODEVICE: `interface lo` takes no client from another host; the VIP's own interface is right.
  'haproxy-bind-interface': {
    bad: eachFrontend((f) => f.binds.forEach((b) => (b.interface = 'lo'))),
    good: () => mutated((m) => bothLbs(m, (h) => h.haproxy?.frontends.forEach((f) => f.binds.forEach((b) => (b.interface = h.keepalived?.instances[0]?.interface ?? 'eth0'))))),
  },
  // A disabled frontend that a second, enabled one on the same port replaces is not an outage.
  'haproxy-proxy-disabled': {
    bad: eachFrontend((f) => (f.disabled = true)),
    good: () =>
      mutated((m) =>
        bothLbs(m, (h) => {
          const fe = h.haproxy?.frontends[0];
          if (fe) h.haproxy?.frontends.push({ ...structuredClone(fe), name: `${fe.name}-off`, disabled: true });
        }),
      ),
  },
  // weight 0 on every server but one keeps the backend usable; on all of them, nothing is ever picked.
  'haproxy-backend-no-usable-server': {
    bad: eachBackend((b) => b.servers.forEach((s) => (s.weight = 0))),
    good: () => mutated(eachBackend((b) => b.servers.forEach((s, i) => (s.weight = i === 0 ? 1 : 0)))),
  },
  'haproxy-route-unknown': {
    bad: eachFrontend((f) => (f.routes = [{ backend: f.defaultBackend ?? '', cond: ['if', '{', 'src', '10.0.0.0/8', '}'] }])),
  },
  'haproxy-server-traffic-fails': {
    bad: eachBackend((b) => b.servers.forEach((s) => (s.sendProxy = 'v2'))),
    // check-ssl changes only the checks: traffic passes through untouched.
    good: () => mutated(eachBackend((b) => b.servers.forEach((s) => Object.assign(s, { checkSsl: true, verify: 'none', sni: 'str(kubernetes)' })))),
  },
  // A server written as a mirror host's name is that host: silent.
  'haproxy-server-name-unresolved': {
    bad: eachBackend((b) => b.servers.forEach((s, i) => (s.address = `apiserver-${i}.example.com`))),
    good: () => mutated(eachBackend((b) => b.servers.forEach((s, i) => (s.address = ['m1', 'm2', 'm3'][i] ?? s.address)))),
  },
  'haproxy-server-verify-unknown': {
    bad: eachBackend((b) => b.servers.forEach((s) => Object.assign(s, { checkSsl: true, caFile: '/etc/kubernetes/pki/ca.crt' }))),
    good: () => mutated(eachBackend((b) => b.servers.forEach((s) => Object.assign(s, { checkSsl: true, caFile: '/etc/kubernetes/pki/ca.crt', verify: 'none' })))),
  },
  // The instance's own interface is known to exist (keepalived faults the instance without it): silent.
  'vrrp-track-interface-unknown': {
    bad: eachInst((i) => (i.trackInterfaces = [{ name: 'eth9', weight: -20 }])),
    good: () => mutated(eachInst((i) => (i.trackInterfaces = [{ name: i.interface }]))),
  },
  'haproxy-check-other-port': { bad: eachBackend((b) => b.servers.forEach((s) => (s.checkPort = 10248))) },
  // A check target kubeha knows (another host's apiserver) must stay silent; kubelet's 10248 is 127.0.0.1 only.
  'haproxy-check-target-unknown': {
    bad: eachBackend((b) => b.servers.forEach((s, i) => (s.checkPort = i === 0 ? 10248 : 6443))),
    good: () => mutated(eachBackend((b) => b.servers.forEach((s) => Object.assign(s, { checkPort: 6443, checkAddr: '10.0.0.21' })))),
  },
  'haproxy-check-target-all-unknown': {
    bad: eachBackend((b) => b.servers.forEach((s) => (s.checkAddr = '192.0.2.7'))),
    good: () => mutated(eachBackend((b) => b.servers.forEach((s, i) => (s.checkPort = i === 0 ? 10248 : 6443)))),
  },
  'haproxy-server-no-check': { bad: eachBackend((b) => b.servers.forEach((s) => (s.check = false))) },
  'haproxy-slow-detection': { bad: eachBackend((b) => b.servers.forEach((s) => Object.assign(s, { interMs: 10_000, fall: 2 }))) },
  'haproxy-no-redispatch': { bad: eachBackend((b) => (b.redispatch = false)) },
  'haproxy-timeout-idle-short': { bad: (m) => (eachFrontend((f) => (f.timeouts = { clientMs: 5000 }))(m), eachBackend((b) => (b.timeouts = { connectMs: 5000, serverMs: 5000 }))(m)) },
  'haproxy-timeout-idle-watch': { bad: (m) => (eachFrontend((f) => (f.timeouts = { clientMs: 60_000 }))(m), eachBackend((b) => (b.timeouts = { connectMs: 5000, serverMs: 60_000 }))(m)) },
  'haproxy-timeout-missing': { bad: (m) => (eachFrontend((f) => (f.timeouts = {}))(m), eachBackend((b) => (b.timeouts = {}))(m)) },
  'haproxy-timeout-unitless': { bad: eachBackend((b) => ((b.timeouts.connectMs = 5), (b.timeouts.unitless = { connect: '5' }))) },
  'haproxy-mode-http': { bad: eachFrontend((f) => (f.mode = 'http')) },
  'haproxy-httplog-tcp': { bad: (m) => bothLbs(m, (h) => h.haproxy?.unknown.push({ keyword: 'option httplog', section: 'defaults' })) },
  'haproxy-endpoint-port': { bad: eachFrontend((f) => (f.binds = [{ address: '*', port: 16443 }])) },
  'haproxy-on-apiserver-port': { bad: (m) => (lb(m, 'lb0').apiserver = { port: 6443 }) },
  'haproxy-bind-vip-nonlocal': {
    bad: (m) => (eachFrontend((f) => (f.binds = [{ address: '10.0.0.100', port: 6443 }]))(m), bothLbs(m, (h) => (h.sysctl = {}))),
    // `transparent` (IP_TRANSPARENT) binds a foreign address like ip_nonlocal_bind does: silent.
    good: () => mutated((m) => (eachFrontend((f) => (f.binds = [{ address: '10.0.0.100', port: 6443, transparent: true }]))(m), bothLbs(m, (h) => (h.sysctl = {})))),
  },
  'haproxy-stats-exposed': {
    bad: (m) =>
      bothLbs(m, (h) =>
        h.haproxy?.frontends.push({ name: 'stats', kind: 'listen', mode: 'http', binds: [{ address: '*', port: 1080 }], useBackends: [], timeouts: {}, stats: { bind: [], auth: ['admin:awesomePassword'], uri: '/admin?stats' } }),
      ),
  },
  'haproxy-backends-differ': { bad: (m) => hap(m, 'lb1').backends[0]?.servers.pop() },
  'haproxy-apiserver-not-in-backend': { bad: (m) => m.hosts.push(host('m4', '10.0.0.24', { apiserver: { port: 6443 } })) },
  'topology-single-lb': { bad: (m) => (m.hosts = m.hosts.filter((h) => h.name !== 'lb1')) },
  'topology-apiserver-count': { bad: (m) => (m.hosts = m.hosts.filter((h) => h.name !== 'm3'), bothLbs(m, (h) => h.haproxy?.backends[0]?.servers.pop())) },
  'topology-endpoint-unknown': { bad: (m) => (m.endpoint.address = '10.9.9.9') },
  'topology-external-lb-hairpin': { bad: () => external({ hairpin: false }), good: () => external() },
  'topology-external-lb-no-health-check': { bad: () => external({ healthCheck: false }), good: () => external() },
  'vrrp-auth-cleartext': { bad: eachInst((i) => (i.auth = { type: 'PASS', pass: '1111' })) },
  'cert-san-missing-endpoint': { bad: (m) => m.hosts.forEach((h) => h.apiserver && (h.apiserver.certSANs = [h.address])) },
  'cert-san-missing-host': { bad: (m) => m.hosts.forEach((h) => h.apiserver && (h.apiserver.certSANs = ['10.0.0.100'])) },
};

function mutated(f: Mutate): HaModel {
  const m = clone(goodModel());
  f(m);
  return m;
}

function build(x: Mutate | (() => HaModel)): HaModel {
  return x.length === 0 ? (x as () => HaModel)() : mutated(x);
}

describe('rules', () => {
  it('there are at least 40 rules, with unique kebab-case ids, a title and an explain with source and fix', () => {
    assert.ok(allRules.length >= 40, `${allRules.length} rules`);
    const ids = allRules.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const r of allRules) {
      assert.match(r.id, /^[a-z0-9]+(-[a-z0-9]+)+$/);
      assert.ok(r.title.length > 10, r.id);
      assert.match(r.explain, /Source:/, `${r.id} names its source`);
      assert.match(r.explain, /Fix:/, `${r.id} says how to fix it`);
    }
  });
  it('every rule has a positive and a negative case below', () => {
    assert.deepEqual(allRules.map((r) => r.id).filter((id) => !(id in cases)), []);
  });
  it('the good model triggers no rule at all', () => {
    const m = goodModel();
    assert.deepEqual(allRules.flatMap((r) => r.check(m)), []);
  });
  for (const r of allRules) {
    const c = cases[r.id];
    if (!c) continue;
    it(`${r.id}: flags the bad model, not the good one`, () => {
      const bad = r.check(build(c.bad));
      assert.ok(bad.length > 0, `${r.id} should fire`);
      for (const f of bad) {
        assert.equal(f.rule, r.id);
        assert.equal(f.severity, r.severity);
        assert.ok(f.message.length > 0);
      }
      assert.deepEqual(r.check(c.good ? c.good() : goodModel()), []);
    });
  }
});

describe('weight traps with three LBs', () => {
  /** lb0 150, lb1 100, lb2 50, all BACKUP, unicast to each other, pidof haproxy weight −100. */
  function three(): HaModel {
    const m = clone(goodModel());
    const lb2 = clone(lb(m, 'lb1'));
    lb2.name = 'lb2';
    lb2.address = '10.0.0.12';
    m.hosts.push(lb2);
    const addrs = ['10.0.0.10', '10.0.0.11', '10.0.0.12'];
    [150, 100, 50].forEach((p, k) => {
      const i = inst(m, `lb${k}`);
      i.priority = p;
      i.unicastSrcIp = addrs[k];
      i.unicastPeers = addrs.filter((_, j) => j !== k);
    });
    for (const n of ['lb0', 'lb1', 'lb2']) ka(m, n).scripts['chk_haproxy'] = script('chk_haproxy', 'pidof haproxy', { weight: -100 });
    return m;
  }
  const rule = allRules.find((r) => r.id === 'vrrp-negative-weight-below-gap');
  it('lb0 failing drops to 50 = lb2, but lb1 (100) takes over: no finding', () => {
    assert.deepEqual(rule?.check(three()), []);
  });
  it('when no peer ends above the failing master, the best peer is named', () => {
    const m = three();
    inst(m, 'lb1').priority = 40;
    const f = rule?.check(m) ?? [];
    assert.equal(f.length, 1);
    assert.match(f[0]?.message ?? '', /lb0 leaves it at priority 50, not below lb2's 50/);
  });
});

describe('topology-apiserver-count', () => {
  it('a server written as a host name counts as that host, not as a fourth apiserver', () => {
    const m = clone(goodModel());
    bothLbs(m, (h) => {
      const s = h.haproxy?.backends[0]?.servers[0];
      if (s) s.address = 'm1';
    });
    assert.deepEqual(allRules.find((r) => r.id === 'topology-apiserver-count')?.check(m), []);
  });
});


describe('a disabled frontend on the endpoint port', () => {
  it('is reported by haproxy-proxy-disabled only, not as a port mismatch (haproxy-endpoint-port)', () => {
    const m = clone(goodModel());
    bothLbs(m, (h) => h.haproxy?.frontends.forEach((f) => (f.disabled = true)));
    const fired = new Set(allRules.flatMap((r) => r.check(m).map(() => r.id)));
    assert.ok(fired.has('haproxy-proxy-disabled'));
    assert.ok(!fired.has('haproxy-endpoint-port'));
  });
});
