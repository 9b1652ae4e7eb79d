import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { analyzeModel } from '../../src/analyze/index.js';
import type { Report, Scenario } from '../../src/analyze/types.js';
import { dirFileSource } from '../../src/cli/dir-source.js';
import { loadMirror } from '../../src/parse/mirror.js';

// Brownfield mirrors nobody wrote a seed for (test/fixtures/brownfield/*/hosts.yaml says what each one is).
// The expected scenarios are reasoned from keepalived's vrrp.c (vrrp_state_backup / vrrp_state_master_rx) and
// HAProxy's check semantics, not copied from kubeha's output.
const FIXTURES = fileURLToPath(new URL('../fixtures/brownfield/', import.meta.url));

function analyze(dir: string): Report {
  const { model, diagnostics } = loadMirror(dirFileSource(FIXTURES + dir));
  assert.ok(model, `${dir} loads: ${diagnostics.map((d) => d.message).join('; ')}`);
  assert.deepEqual(diagnostics.filter((d) => d.severity === 'error').map((d) => d.code), [], `${dir} parses without errors`);
  return analyzeModel(model);
}

function sc(r: Report, failure: string): Scenario {
  const s = r.scenarios.find((x) => x.failure === failure);
  assert.ok(s, `scenario ${failure} in [${r.scenarios.map((x) => x.failure).join(', ')}]`);
  return s;
}

const errors = (r: Report): string[] => r.findings.filter((f) => f.severity === 'error').map((f) => `${f.rule}: ${f.message}`);

describe('kubeadm HA guide on the masters: HAProxy `listen` on 8443, endpoint VIP:8443, $VAR + include conf.d', () => {
  const r = analyze('kubeadm-masters-8443');
  it('reads the instance from the included conf.d file with $VIP/$IFACE substituted', () => {
    const { model } = loadMirror(dirFileSource(FIXTURES + 'kubeadm-masters-8443'));
    const inst = model?.hosts.find((h) => h.name === 'm1')?.keepalived?.instances[0];
    assert.equal(inst?.interface, 'eth0');
    assert.deepEqual(inst?.vips.map((v) => v.address), ['10.0.0.100']);
    assert.match(inst?.at?.file ?? '', /conf\.d\/vi_1\.conf$/);
  });
  it('default-server in defaults gives every server check-ssl, so the GET /healthz check can pass', () => {
    const { model } = loadMirror(dirFileSource(FIXTURES + 'kubeadm-masters-8443'));
    const be = model?.hosts.find((h) => h.name === 'm2')?.haproxy?.backends[0];
    assert.equal(be?.servers.length, 3);
    assert.ok(be?.servers.every((s) => s.checkSsl && s.check && s.interMs === 2000));
  });
  it('no error finding; none: m1 (101) holds the VIP, reachable through its 8443 frontend', () => {
    assert.deepEqual(errors(r), []);
    assert.deepEqual(sc(r, 'none').vipHolders, ['m1']);
    assert.equal(sc(r, 'none').apiReachable, true);
  });
  it('haproxy-down:m1: the curl through the local frontend fails after 3 s × 10; 101−2 = 99 < 100, the two 100s tie and the higher IP (m3) wins', () => {
    const s = sc(r, 'haproxy-down:m1');
    assert.deepEqual(s.vipHolders, ['m3']);
    assert.equal(s.apiReachable, true);
    // 30 s detection + master-down interval of a priority-100 router at advert_int 1 (3 s + 156/256 s).
    assert.equal(s.predictedOutageMs, 30_000 + 3000 + 609);
  });
  it('apiserver-down of m1 itself: the check curls HAProxy, which still has two backends: the VIP stays and the API is up', () => {
    const s = sc(r, 'apiserver-down:10.0.0.21:6443');
    assert.deepEqual(s.vipHolders, ['m1']);
    assert.equal(s.apiReachable, true);
    assert.equal(s.predictedOutageMs, 0, 'option redispatch + retries 1');
  });
  it('keepalived-down:m1 sends priority 0: a backup takes over after its skew time only', () => {
    const s = sc(r, 'keepalived-down:m1');
    assert.deepEqual(s.vipHolders, ['m3']);
    assert.equal(s.predictedOutageMs, 609);
  });
  it('node-down:m1: m3 takes over after the master-down interval and balances over the two live apiservers', () => {
    const s = sc(r, 'node-down:m1');
    assert.deepEqual(s.vipHolders, ['m3']);
    assert.equal(s.apiReachable, true);
    assert.equal(s.predictedOutageMs, 3609);
  });
  it('partitions: a backup cut from the master takes the VIP too; two backups cut from each other change nothing', () => {
    assert.deepEqual([...sc(r, 'partition:m1|m2').vipHolders].sort(), ['m1', 'm2']);
    assert.deepEqual(sc(r, 'partition:m2|m3').vipHolders, ['m1']);
  });
});

describe('three LBs, all BACKUP + nopreempt, priorities 150/100/50, VRRPv3 advert 0.1 s, unicast, weight −100', () => {
  const r = analyze('three-lb-nopreempt-v3');
  it('none: the highest priority wins the start-up race (shortest master-down interval)', () => {
    assert.deepEqual(sc(r, 'none').vipHolders, ['lb1']);
  });
  it('haproxy-down:lb1: nopreempt backups accept any advert of a live master, so lb1 (now 50) keeps the VIP with a dead HAProxy', () => {
    const s = sc(r, 'haproxy-down:lb1');
    assert.deepEqual(s.vipHolders, ['lb1']);
    assert.equal(s.apiReachable, false);
    assert.ok(r.findings.some((f) => f.rule === 'vrrp-nopreempt-weight' && f.host === 'lb1'));
    assert.ok(r.findings.some((f) => f.rule === 'scenario-api-unreachable'));
  });
  it('node-down:lb1: lb2 (100) takes over after the VRRPv3 master-down interval 3 × 100 ms + skew 61 ms', () => {
    const s = sc(r, 'node-down:lb1');
    assert.deepEqual(s.vipHolders, ['lb2']);
    assert.equal(s.predictedOutageMs, 361);
  });
  it('keepalived-down:lb1: priority 0 → lb2 after its skew (156/256 × 100 ms)', () => {
    assert.equal(sc(r, 'keepalived-down:lb1').predictedOutageMs, 61);
  });
  it('a partition between the master and the lowest backup: lb3 becomes master too (it never hears lb1)', () => {
    assert.deepEqual([...sc(r, 'partition:lb1|lb3').vipHolders].sort(), ['lb1', 'lb3']);
  });
});

describe('three preempting LBs whose HAProxy binds the VIP without ip_nonlocal_bind', () => {
  const r = analyze('three-lb-bind-vip');
  it('HAProxy could not start on lb2/lb3 (no VIP at boot): their pidof check fails from the start (priority 1)', () => {
    const none = sc(r, 'none');
    assert.deepEqual(none.vipHolders, ['lb1']);
    assert.equal(none.apiReachable, true);
    assert.match(none.note, /lb2: priority 1 \[chk_haproxy fails/);
    assert.ok(r.findings.some((f) => f.rule === 'haproxy-bind-vip-nonlocal'));
  });
  it('haproxy-down:lb1: 150 − 100 = 50 is still above the failed backups: the VIP stays on a dead HAProxy', () => {
    const s = sc(r, 'haproxy-down:lb1');
    assert.deepEqual(s.vipHolders, ['lb1']);
    assert.equal(s.apiReachable, false);
  });
  it('node-down:lb1: the backups tie at 1, the higher IP (lb3) takes the VIP, but its HAProxy never started', () => {
    const s = sc(r, 'node-down:lb1');
    assert.deepEqual(s.vipHolders, ['lb3']);
    assert.equal(s.apiReachable, false);
    assert.match(s.note, /could not start while lb3 lacked the VIP/);
  });
  it('no weight-gap finding: the weight is large enough, the start-up failure is the problem', () => {
    assert.ok(!r.findings.some((f) => f.rule.endsWith('weight-below-gap')));
  });
});

describe("kubeadm's older check_apiserver.sh on the masters: HAProxy is tested through the VIP only on the holder", () => {
  const r = analyze('kubeadm-old-check-flaps');
  it('apiserver-down of the holder: the unconditional curl of the local apiserver fails, the VIP moves to m3, no outage', () => {
    const s = sc(r, 'apiserver-down:10.0.0.21:6443');
    assert.deepEqual(s.vipHolders, ['m3']);
    assert.equal(s.apiReachable, true);
  });
  it('haproxy-down on a backup changes nothing (the VIP part is skipped there)', () => {
    assert.deepEqual(sc(r, 'haproxy-down:m2').vipHolders, ['m1']);
    assert.match(sc(r, 'none').note, /m2: priority 100 \[check_apiserver passes/);
  });
  it('haproxy-down:m1: the VIP part fails, m3 takes over, m1 passes again as a backup and preempts (101): it flaps, API down', () => {
    const s = sc(r, 'haproxy-down:m1');
    assert.equal(s.apiReachable, false);
    assert.equal(s.vipHolders.length, 1, 'a flapping VIP is not a split brain');
    assert.match(s.note, /never settles: the VIP keeps moving between m1 and m3/);
    assert.ok(r.findings.some((f) => f.rule === 'track-holder-only-flaps' && f.host === 'm1'));
    assert.ok(!r.findings.some((f) => f.rule === 'track-not-haproxy'), 'it does test HAProxy, on the holder');
  });
});
