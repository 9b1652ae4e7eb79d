import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { elect, instanceState } from '../../src/analyze/simulate/election.js';
import { simulate } from '../../src/analyze/simulate/index.js';
import { clampPriority, effectiveAdvertS, masterDownMs, skewMs, trackerDelta } from '../../src/analyze/vrrp.js';
import { apiserverUp, emptyWorld, worldFor, type World } from '../../src/analyze/world.js';
import { parseFailure } from '../../src/model/failure.js';
import { vipMembers } from '../../src/model/queries.js';
import type { HaModel } from '../../src/model/types.js';
import type { Scenario } from '../../src/analyze/types.js';
import { bothLbs, clone, goodModel, inst, ka, script } from './build.js';

/** The world of a failure written in its text form. */
function worldOf(failure: string): World {
  const parsed = parseFailure(failure);
  assert.ok(parsed.ok, failure);
  return worldFor(parsed.failure);
}

function scenario(model: HaModel, failure: string): Scenario {
  const s = simulate(model).find((x) => x.failure === failure);
  assert.ok(s, `scenario ${failure} exists`);
  return s;
}

/** lb0 MASTER priority `p0`, lb1 BACKUP priority `p1`, chk_haproxy (pidof haproxy) with `weight` on both. */
function pair(p0: number, p1: number, weight: number, fall = 2, intervalS = 1): HaModel {
  const m = clone(goodModel());
  inst(m, 'lb0').priority = p0;
  inst(m, 'lb0').state = 'MASTER';
  inst(m, 'lb1').priority = p1;
  bothLbs(m, (h) => {
    if (h.keepalived) h.keepalived.scripts['chk_haproxy'] = script('chk_haproxy', 'pidof haproxy', { weight, fall, intervalS });
  });
  return m;
}

function prio(model: HaModel, host: string, failure: string): number {
  const m = vipMembers(model).find((x) => x.host.name === host);
  assert.ok(m);
  return instanceState(model, m, worldOf(failure)).prio;
}

describe('VRRP: effective priority', () => {
  it('a positive weight is added while the script passes and not while it fails', () => {
    const m = pair(100, 90, 2);
    assert.equal(prio(m, 'lb0', 'none'), 102);
    assert.equal(prio(m, 'lb0', 'haproxy-down:lb0'), 100);
  });
  it('a negative weight is added only while the script fails', () => {
    const m = pair(100, 90, -20);
    assert.equal(prio(m, 'lb0', 'none'), 100);
    assert.equal(prio(m, 'lb0', 'haproxy-down:lb0'), 80);
  });
  it('`weight N reverse` inverts the direction', () => {
    assert.equal(trackerDelta(10, true, true), -10);
    assert.equal(trackerDelta(10, true, false), 0);
    assert.equal(trackerDelta(-10, true, false), 10);
    assert.equal(trackerDelta(-10, true, true), 0);
    const m = pair(100, 90, 10);
    ka(m, 'lb0').instances[0]?.trackScripts.splice(0, 1, { name: 'chk_haproxy', weightReverse: true });
    assert.equal(prio(m, 'lb0', 'none'), 90);
    assert.equal(prio(m, 'lb0', 'haproxy-down:lb0'), 100);
  });
  it('clamps the effective priority to 1..254 (255 is the untouchable owner)', () => {
    assert.equal(clampPriority(250, 260), 254);
    assert.equal(clampPriority(5, -15), 1);
    assert.equal(clampPriority(255, 235), 255);
    assert.equal(prio(pair(250, 90, 10), 'lb0', 'none'), 254);
  });
  it('priority 255 ignores the tracker: HAProxy down on the owner keeps the VIP there, API down', () => {
    const s = scenario(pair(255, 100, -50), 'haproxy-down:lb0');
    assert.deepEqual(s.vipHolders, ['lb0']);
    assert.equal(s.apiReachable, false);
  });
  it('a vrrp_script that no track_script names has no effect', () => {
    const m = pair(100, 90, -20);
    bothLbs(m, (h) => {
      const i = h.keepalived?.instances[0];
      if (i) i.trackScripts = [];
    });
    assert.equal(prio(m, 'lb0', 'haproxy-down:lb0'), 100);
    const s = scenario(m, 'haproxy-down:lb0');
    assert.deepEqual(s.vipHolders, ['lb0']);
    assert.equal(s.apiReachable, false);
  });
});

describe('VRRP: who takes over', () => {
  it('weight 0: a failing script puts the master in FAULT, the backup takes over after its skew', () => {
    const m = pair(100, 100, 0, 3, 2);
    const s = scenario(m, 'haproxy-down:lb0');
    assert.deepEqual(s.vipHolders, ['lb1']);
    assert.equal(s.apiReachable, true);
    assert.equal(s.predictedOutageMs, Math.round(2 * 3 * 1000 + skewMs(100, 1)));
  });
  it('a strictly higher effective priority preempts: negative weight larger than the gap moves the VIP after fall × interval + master-down', () => {
    const m = pair(101, 100, -20);
    const s = scenario(m, 'haproxy-down:lb0');
    assert.deepEqual(s.vipHolders, ['lb1']);
    assert.equal(s.apiReachable, true);
    assert.equal(s.predictedOutageMs, Math.round(2000 + masterDownMs(100, 1)));
  });
  it('an equal priority does not preempt a live master: MASTER state wins the start-up tie even against a higher IP', () => {
    const m = pair(100, 100, -20);
    assert.deepEqual(scenario(m, 'none').vipHolders, ['lb0']);
  });
  it('negative weight equal to the gap: priorities tie, no preemption, VIP stays on the dead HAProxy', () => {
    const s = scenario(pair(110, 100, -10), 'haproxy-down:lb0');
    assert.deepEqual(s.vipHolders, ['lb0']);
    assert.equal(s.apiReachable, false);
  });
  it('two BACKUPs with equal priority: the higher primary IP becomes master', () => {
    assert.deepEqual(scenario(goodModel(), 'none').vipHolders, ['lb1']);
  });
  it('two MASTERs that meet: the higher priority wins; equal priorities: the higher IP wins', () => {
    const m = pair(100, 120, -20);
    inst(m, 'lb1').state = 'MASTER';
    assert.deepEqual(scenario(m, 'none').vipHolders, ['lb1']);
    const e = pair(100, 100, -20);
    inst(e, 'lb1').state = 'MASTER';
    assert.deepEqual(scenario(e, 'none').vipHolders, ['lb1']);
    inst(e, 'lb0').unicastSrcIp = '10.0.0.200';
    inst(e, 'lb1').unicastPeers = ['10.0.0.200'];
    assert.deepEqual(scenario(e, 'none').vipHolders, ['lb0']);
  });
  it('nopreempt (state BACKUP): a higher-priority backup never takes over from a live master', () => {
    const m = pair(100, 150, -20);
    inst(m, 'lb1').nopreempt = true;
    assert.deepEqual(scenario(m, 'none').vipHolders, ['lb0']);
    inst(m, 'lb1').nopreempt = false;
    assert.deepEqual(scenario(m, 'none').vipHolders, ['lb1']);
  });
  it('nopreempt with state MASTER is cleared by keepalived (it preempts)', () => {
    const m = pair(100, 150, -20);
    inst(m, 'lb1').nopreempt = true;
    inst(m, 'lb1').state = 'MASTER';
    assert.deepEqual(scenario(m, 'none').vipHolders, ['lb1']);
  });
  it('`state` is only the initial state: a returning MASTER-state router with equal priority does not take the VIP back', () => {
    const m = pair(100, 100, -20);
    const members = vipMembers(m);
    const afterFailover = elect(m, members, worldOf('node-down:lb0'), elect(m, members, emptyWorld()));
    assert.deepEqual(afterFailover.holders, ['lb1']);
    const recovered = elect(m, members, emptyWorld(), afterFailover);
    assert.deepEqual(recovered.holders, ['lb1']);
    // while a higher base priority does take it back (second failover)
    const u = pair(101, 100, -20);
    const um = vipMembers(u);
    const uf = elect(u, um, worldOf('node-down:lb0'), elect(u, um, emptyWorld()));
    assert.deepEqual(elect(u, um, emptyWorld(), uf).holders, ['lb0']);
  });
  it('stopping keepalived sends priority 0: the backup takes over after its skew time only', () => {
    const s = scenario(pair(101, 100, -20), 'keepalived-down:lb0');
    assert.deepEqual(s.vipHolders, ['lb1']);
    assert.equal(s.predictedOutageMs, Math.round(skewMs(100, 1)));
  });
  it('node-down of the master: the backup waits the master-down interval (3 × advert_int + skew)', () => {
    const s = scenario(pair(101, 100, -20), 'node-down:lb0');
    assert.deepEqual(s.vipHolders, ['lb1']);
    assert.equal(s.predictedOutageMs, Math.round(3000 + (156 * 1000) / 256));
  });
  it('a partition between two peers: each becomes MASTER (split brain)', () => {
    const s = scenario(goodModel(), 'partition:lb0|lb1');
    assert.deepEqual([...s.vipHolders].sort(), ['lb0', 'lb1']);
  });
});

describe('VRRP: routers that do not hear each other both become MASTER', () => {
  const cases: [string, (m: HaModel) => void][] = [
    ['different virtual_router_id', (m) => (inst(m, 'lb1').virtualRouterId = 43)],
    ['different VRRP version', (m) => (inst(m, 'lb1').version = 3)],
    ['different auth type', (m) => (inst(m, 'lb1').auth = { type: 'PASS', pass: 'x' })],
    [
      'different PASS within the first 8 characters',
      (m) => {
        inst(m, 'lb0').auth = { type: 'PASS', pass: 'abcdefgh' };
        inst(m, 'lb1').auth = { type: 'PASS', pass: 'abcdefgX' };
      },
    ],
    ['unicast peers that do not list each other', (m) => (inst(m, 'lb1').unicastPeers = ['10.0.0.99'])],
    ['unicast on one side only', (m) => (inst(m, 'lb1').unicastPeers = [])],
  ];
  for (const [name, mutate] of cases)
    it(`${name}: split brain at none`, () => {
      const m = clone(goodModel());
      mutate(m);
      assert.deepEqual([...scenario(m, 'none').vipHolders].sort(), ['lb0', 'lb1']);
    });
  it('unicast is directional: a backup that lists nobody right still hears a master that lists it (no check_unicast_src)', () => {
    const m = pair(101, 100, -20);
    inst(m, 'lb1').unicastPeers = ['10.0.0.99'];
    // lb0 sends to lb1 and lb1 accepts it: one master at start-up.
    assert.deepEqual(scenario(m, 'none').vipHolders, ['lb0']);
    // lb0's HAProxy dies: 81 < 100, lb1 takes over, but lb0 never hears lb1 and keeps the VIP too.
    assert.deepEqual([...scenario(m, 'haproxy-down:lb0').vipHolders].sort(), ['lb0', 'lb1']);
    // The other way round (the master lists nobody right) both are masters from the start.
    const r = pair(101, 100, -20);
    inst(r, 'lb0').unicastPeers = ['10.0.0.99'];
    assert.deepEqual([...scenario(r, 'none').vipHolders].sort(), ['lb0', 'lb1']);
  });
  it('check_unicast_src on the receiver drops adverts from addresses it does not list: both masters', () => {
    const m = pair(101, 100, -20);
    inst(m, 'lb1').unicastPeers = ['10.0.0.99'];
    inst(m, 'lb1').checkUnicastSrc = true;
    assert.deepEqual([...scenario(m, 'none').vipHolders].sort(), ['lb0', 'lb1']);
    const g = pair(101, 100, -20);
    ka(g, 'lb1').vrrpCheckUnicastSrc = true;
    assert.deepEqual(scenario(g, 'none').vipHolders, ['lb0'], 'peers that list each other still hear each other');
  });
  it('VRRPv3 has no authentication (keepalived ignores it): different passwords still hear each other', () => {
    const m = clone(goodModel());
    inst(m, 'lb0').version = 3;
    inst(m, 'lb1').version = 3;
    inst(m, 'lb0').auth = { type: 'PASS', pass: 'one' };
    inst(m, 'lb1').auth = { type: 'PASS', pass: 'two' };
    assert.equal(scenario(m, 'none').vipHolders.length, 1);
  });
  it('PASS compares only the first 8 characters: passwords differing after that still match', () => {
    const m = clone(goodModel());
    inst(m, 'lb0').auth = { type: 'PASS', pass: '412f7dc3bfed32194d' };
    inst(m, 'lb1').auth = { type: 'PASS', pass: '412f7dc3XXXXXXXX' };
    assert.equal(scenario(m, 'none').vipHolders.length, 1);
  });
});

describe('VRRP: timers', () => {
  it('VRRPv2 rounds a fractional advert_int (keepalived: "must be an integer. rounding")', () => {
    assert.equal(effectiveAdvertS({ ...inst(goodModel(), 'lb0'), advertIntS: 0.3, version: 2 }), 1);
    assert.equal(effectiveAdvertS({ ...inst(goodModel(), 'lb0'), advertIntS: 0.3, version: 3 }), 0.3);
  });
  it('master-down interval = 3 × advert_int + (256 − priority) × advert_int / 256', () => {
    assert.equal(masterDownMs(100, 1), 3000 + 609.375);
    assert.ok(Math.abs(masterDownMs(200, 0.1) - (300 + 21.875)) < 1e-9);
  });
});

describe('what a check script tests decides which failures make it fail', () => {
  it('killall -0 run as a non-root script user always fails: both LBs lose the weight, nothing moves on haproxy-down', () => {
    const m = pair(101, 100, -20);
    bothLbs(m, (h) => {
      if (!h.keepalived) return;
      h.keepalived.scriptUser = 'keepalived_script';
      h.keepalived.scripts['chk_haproxy'] = script('chk_haproxy', 'killall -0 haproxy', { weight: -20 });
    });
    assert.equal(prio(m, 'lb0', 'none'), 81);
    const s = scenario(m, 'haproxy-down:lb0');
    assert.deepEqual(s.vipHolders, ['lb0']);
    assert.equal(s.apiReachable, false);
  });
  it('killall -0 as root fails exactly on haproxy-down', () => {
    const m = pair(101, 100, -20);
    bothLbs(m, (h) => {
      if (h.keepalived) h.keepalived.scripts['chk_haproxy'] = script('chk_haproxy', '/usr/bin/killall -0 haproxy', { weight: -20 });
    });
    assert.equal(prio(m, 'lb0', 'none'), 101);
    assert.deepEqual(scenario(m, 'haproxy-down:lb0').vipHolders, ['lb1']);
  });
  it('a curl through the local frontend to /healthz fails when every backend is down', () => {
    const m = pair(101, 100, -20);
    bothLbs(m, (h) => {
      if (!h.keepalived) return;
      h.keepalived.scripts['chk_haproxy'] = script('chk_haproxy', '/etc/keepalived/check.sh', { weight: -20 });
      h.files['/etc/keepalived/check.sh'] = '#!/bin/sh\nPORT=6443\ncurl -skf https://127.0.0.1:${PORT}/healthz -o /dev/null\n';
    });
    assert.equal(prio(m, 'lb0', 'none'), 101);
    assert.equal(prio(m, 'lb0', 'haproxy-down:lb0'), 81);
    // every apiserver down is not a single failure; check the tracker directly on a world with all three gone
    const w = emptyWorld();
    for (const a of ['10.0.0.21', '10.0.0.22', '10.0.0.23']) w.apiserverDown.add(`${a}:6443`);
    const mem = vipMembers(m).find((x) => x.host.name === 'lb0');
    assert.ok(mem);
    assert.equal(instanceState(m, mem, w).prio, 81);
  });
  it('a local port probe of the HAProxy frontend (nc -z) fails on haproxy-down, not when an apiserver dies', () => {
    const m = pair(101, 100, -20);
    bothLbs(m, (h) => {
      if (h.keepalived) h.keepalived.scripts['chk_haproxy'] = script('chk_haproxy', '/usr/bin/nc -z 127.0.0.1 6443', { weight: -20 });
    });
    assert.equal(prio(m, 'lb0', 'haproxy-down:lb0'), 81);
    assert.equal(prio(m, 'lb0', 'apiserver-down:10.0.0.21:6443'), 101);
    assert.deepEqual(scenario(m, 'haproxy-down:lb0').vipHolders, ['lb1']);
  });
  it('a curl of the local apiserver port (not the frontend) tests the apiserver: fails on its apiserver-down, not on haproxy-down', () => {
    const m = pair(101, 100, -20);
    m.endpoint.port = 8443;
    bothLbs(m, (h) => {
      h.apiserver = { port: 6443 };
      h.haproxy?.frontends.forEach((fe) => (fe.binds = [{ address: '*', port: 8443 }]));
      if (h.keepalived) h.keepalived.scripts['chk_haproxy'] = script('chk_haproxy', 'curl -skf https://localhost:6443/healthz', { weight: -20 });
    });
    assert.equal(prio(m, 'lb0', 'haproxy-down:lb0'), 101);
    assert.equal(prio(m, 'lb0', 'apiserver-down:10.0.0.10:6443'), 81);
    const s = scenario(m, 'haproxy-down:lb0');
    assert.deepEqual(s.vipHolders, ['lb0'], 'the VIP stays with a dead HAProxy');
    assert.equal(s.apiReachable, false);
  });
  it('a script path that is not in the mirror is disabled by keepalived: no effect', () => {
    const m = pair(101, 100, -20);
    bothLbs(m, (h) => {
      if (h.keepalived) h.keepalived.scripts['chk_haproxy'] = script('chk_haproxy', '/etc/keepalived/missing.sh', { weight: -20 });
    });
    assert.equal(prio(m, 'lb0', 'haproxy-down:lb0'), 101);
    assert.deepEqual(scenario(m, 'haproxy-down:lb0').vipHolders, ['lb0']);
  });
  it('an unknown script is assumed to test that HAProxy runs (and the note says so)', () => {
    const m = pair(101, 100, -20);
    bothLbs(m, (h) => {
      if (h.keepalived) h.keepalived.scripts['chk_haproxy'] = script('chk_haproxy', '/usr/local/bin/mystery', { weight: -20 });
      h.files['/usr/local/bin/mystery'] = '#!/bin/sh\nexit 0\n';
    });
    assert.equal(prio(m, 'lb0', 'haproxy-down:lb0'), 81);
  });
  it('track_process haproxy fails on haproxy-down', () => {
    const m = pair(101, 100, -20);
    bothLbs(m, (h) => {
      const k = h.keepalived;
      if (!k) return;
      k.processes['haproxy'] = { name: 'haproxy', process: 'haproxy', weight: -20, quorum: 1 };
      const i = k.instances[0];
      if (i) {
        i.trackScripts = [];
        i.trackProcesses = [{ name: 'haproxy' }];
      }
    });
    assert.deepEqual(scenario(m, 'haproxy-down:lb0').vipHolders, ['lb1']);
  });
  it('node-down kills everything on the host: an LB that is also a master loses its apiserver too', () => {
    const m = clone(goodModel());
    const lb0 = m.hosts.find((h) => h.name === 'lb0');
    assert.ok(lb0);
    lb0.apiserver = { port: 6443 };
    const w = worldOf('node-down:lb0');
    assert.equal(w.deadNodes.has('lb0'), true);
    const mem = vipMembers(m).find((x) => x.host.name === 'lb0');
    assert.ok(mem);
    assert.equal(instanceState(m, mem, w).running, false);
    assert.equal(apiserverUp(w, lb0), false);
    assert.equal(apiserverUp(emptyWorld(), lb0), false, 'HAProxy *:6443 on the same host takes the apiserver port');
  });
});
