import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { analyzeModel } from '../../src/analyze/index.js';
import type { Report, Scenario } from '../../src/analyze/types.js';
import { dirFileSource } from '../../src/cli/dir-source.js';
import { loadMirror } from '../../src/parse/mirror.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

function analyze(dir: string): Report {
  const { model, diagnostics } = loadMirror(dirFileSource(FIXTURES + dir));
  assert.ok(model, `${dir} loads: ${diagnostics.map((d) => d.message).join('; ')}`);
  return analyzeModel(model);
}

function sc(r: Report, failure: string): Scenario {
  const s = r.scenarios.find((x) => x.failure === failure);
  assert.ok(s, `scenario ${failure} in [${r.scenarios.map((x) => x.failure).join(', ')}]`);
  return s;
}

function rules(r: Report): Set<string> {
  return new Set(r.findings.map((f) => f.rule));
}

describe('seed 000 (vSphere: lb-0 MASTER 100, lb-1 BACKUP 90, killall -0 haproxy weight +2)', () => {
  const r = analyze('seeds/seed-000');
  it('none: lb-0 holds the VIP (102 vs 92) and the API is reachable', () => {
    assert.deepEqual(sc(r, 'none').vipHolders, ['lb-0']);
    assert.equal(sc(r, 'none').apiReachable, true);
  });
  it('haproxy-down:lb-0 leaves the VIP on lb-0 (weight +2 < gap 10) and the API unreachable', () => {
    const s = sc(r, 'haproxy-down:lb-0');
    assert.deepEqual(s.vipHolders, ['lb-0']);
    assert.equal(s.apiReachable, false);
    assert.equal(s.predictedOutageMs, undefined);
    assert.ok(r.findings.some((f) => f.rule === 'scenario-api-unreachable' && f.message.startsWith('haproxy-down:lb-0')));
    assert.ok(rules(r).has('vrrp-positive-weight-below-gap'));
  });
  it('keepalived-down:lb-0 moves the VIP to lb-1 after its skew time (~641 ms)', () => {
    const s = sc(r, 'keepalived-down:lb-0');
    assert.deepEqual(s.vipHolders, ['lb-1']);
    assert.equal(s.apiReachable, true);
    assert.equal(s.predictedOutageMs, Math.round(((256 - 92) * 1000) / 256));
  });
  it('node-down:lb-0 moves the VIP to lb-1 after the master-down interval (~3641 ms)', () => {
    const s = sc(r, 'node-down:lb-0');
    assert.deepEqual(s.vipHolders, ['lb-1']);
    assert.equal(s.predictedOutageMs, Math.round(3000 + ((256 - 92) * 1000) / 256));
  });
  it('apiserver-down: reachable, 20 s of failed connections (inter 10s × fall 2, no redispatch)', () => {
    const s = sc(r, 'apiserver-down:10.10.71.214:6443');
    assert.equal(s.apiReachable, true);
    assert.equal(s.predictedOutageMs, 20_000);
  });
  it('flags the 5 s idle timeouts, slow checks, /24 VIP, vrid 60 and the missing redispatch', () => {
    for (const id of ['haproxy-timeout-idle-short', 'haproxy-slow-detection', 'vrrp-vip-prefix', 'vrrp-default-vrid', 'haproxy-no-redispatch']) assert.ok(rules(r).has(id), id);
  });
});

describe('seed 004 (kk: lb1 BACKUP 100, lb2 MASTER 110, weight +2)', () => {
  const r = analyze('seeds/seed-004');
  it('none: lb2 (the MASTER, 112) holds the VIP', () => assert.deepEqual(sc(r, 'none').vipHolders, ['lb2']));
  it('haproxy-down:lb2 leaves the VIP on lb2 (110 ≥ 102) and the API unreachable', () => {
    const s = sc(r, 'haproxy-down:lb2');
    assert.deepEqual(s.vipHolders, ['lb2']);
    assert.equal(s.apiReachable, false);
  });
  it('haproxy-down:lb1 (the backup) changes nothing', () => {
    assert.deepEqual(sc(r, 'haproxy-down:lb1').vipHolders, ['lb2']);
    assert.equal(sc(r, 'haproxy-down:lb1').apiReachable, true);
  });
});

describe('seed 003 (LBs on the masters, HAProxy on 16443, clients on VIP:6443)', () => {
  const r = analyze('seeds/seed-003');
  it('none: server7-master holds the VIP; clients reach its apiserver directly, bypassing HAProxy', () => {
    const s = sc(r, 'none');
    assert.deepEqual(s.vipHolders, ['server7-master']);
    assert.equal(s.apiReachable, true);
    assert.match(s.note, /HAProxy bypassed/);
    assert.ok(rules(r).has('haproxy-endpoint-port'));
  });
  it('apiserver-down of the holder leaves the VIP there (the tracker tests HAProxy) and the API unreachable', () => {
    const s = sc(r, 'apiserver-down:192.168.2.207:6443');
    assert.deepEqual(s.vipHolders, ['server7-master']);
    assert.equal(s.apiReachable, false);
  });
  it('apiserver-down of another master does not matter (nothing balances)', () => {
    assert.equal(sc(r, 'apiserver-down:192.168.2.208:6443').apiReachable, true);
  });
  it('haproxy-down:server7-master: weight -11 drops it to 89; the two 90s tie, the higher IP (server9-node2) wins; no outage', () => {
    const s = sc(r, 'haproxy-down:server7-master');
    assert.deepEqual(s.vipHolders, ['server9-node2']);
    assert.equal(s.apiReachable, true);
    assert.equal(s.predictedOutageMs, 0);
  });
  it('node-down:server7-master: server9-node2 takes over and serves with its own apiserver', () => {
    const s = sc(r, 'node-down:server7-master');
    assert.deepEqual(s.vipHolders, ['server9-node2']);
    assert.equal(s.apiReachable, true);
  });
  it('a partition between the master and one backup: that backup also takes the VIP (split brain)', () => {
    assert.deepEqual([...sc(r, 'partition:server7-master|server8-node1').vipHolders].sort(), ['server7-master', 'server8-node1']);
    assert.deepEqual(sc(r, 'partition:server8-node1|server9-node2').vipHolders, ['server7-master']);
  });
});

describe('seed 002 (OneCloud: both LBs MASTER 250, pidof haproxy weight -2, interval 3 fall 10)', () => {
  const r = analyze('seeds/seed-002');
  it('none: equal priorities and both MASTER: the higher IP (lb-1) wins when they meet', () => {
    assert.deepEqual(sc(r, 'none').vipHolders, ['lb-1']);
    assert.ok(rules(r).has('vrrp-both-master'));
  });
  it('haproxy-down:lb-1: after 30 s (3 s × fall 10) lb-1 drops to 248 < 250 and lb-0 preempts after its master-down interval', () => {
    const s = sc(r, 'haproxy-down:lb-1');
    assert.deepEqual(s.vipHolders, ['lb-0']);
    assert.equal(s.apiReachable, true);
    assert.equal(s.predictedOutageMs, Math.round(30_000 + 3000 + (6 * 1000) / 256));
    assert.ok(rules(r).has('track-slow-detection'));
  });
  it('haproxy-down:lb-0 (the backup) changes nothing', () => assert.deepEqual(sc(r, 'haproxy-down:lb-0').vipHolders, ['lb-1']));
  it('flags the exposed stats page, the 33-character auth_pass and vrid 51', () => {
    for (const id of ['haproxy-stats-exposed', 'vrrp-auth-pass-truncated', 'vrrp-default-vrid']) assert.ok(rules(r).has(id), id);
  });
});

describe('seed 001 (QingCloud external LB)', () => {
  const r = analyze('seeds/seed-001');
  it('every single failure keeps the API reachable through the health-checked LB', () => {
    assert.ok(r.scenarios.length >= 4);
    for (const s of r.scenarios) assert.equal(s.apiReachable, true, s.failure);
  });
});

describe('round trip: kubeha render output analysed back', () => {
  for (const dir of ['golden/dedicated-lb', 'golden/stacked', 'golden/external-lb']) {
    const r = analyze(dir);
    it(`${dir}: no error finding, one VIP holder in every scenario but partitions, the API reachable after every single failure`, () => {
      assert.deepEqual(r.findings.filter((f) => f.severity === 'error'), []);
      for (const s of r.scenarios) {
        assert.equal(s.apiReachable, true, s.failure);
        if (!s.failure.startsWith('partition:')) assert.equal(s.vipHolders.length, 1, s.failure);
      }
    });
  }
});
