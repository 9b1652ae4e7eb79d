import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { simulate } from '../../src/analyze/simulate/index.js';
import type { Scenario } from '../../src/analyze/types.js';
import { judge, predictionFor } from '../../src/measure/drill.js';
import { formatFailure, parseFailure } from '../../src/model/failure.js';
import type { HaModel } from '../../src/model/types.js';
import { goodModel, haproxy, host, instance, keepalived } from './build.js';

/**
 * Two backups of the same priority and advert interval after the master fails: keepalived discards a lower-priority
 * advert and treats priority 0 as "master gone", so each backup's master-down timer runs from the same last accepted
 * advert and ends at the same moment; whichever fires first becomes master and the other then hears an advert of its
 * own priority and stays backup (vrrp.c, vrrp_state_backup). The address decides only when both become master at
 * once. The analyser names every possible holder instead of guessing one, and a drill accepts any of them.
 */

function threeLbs(p1: number, p2: number, advert2 = 1): HaModel {
  const m = goodModel();
  const peers = (self: string): string[] => ['10.0.0.10', '10.0.0.11', '10.0.0.12'].filter((a) => a !== self);
  const lbs = [
    host('lb0', '10.0.0.10', { haproxy: haproxy(), keepalived: keepalived(instance({ state: 'MASTER', priority: 100, unicastSrcIp: '10.0.0.10', unicastPeers: peers('10.0.0.10') })) }),
    host('lb1', '10.0.0.11', { haproxy: haproxy(), keepalived: keepalived(instance({ priority: p1, unicastSrcIp: '10.0.0.11', unicastPeers: peers('10.0.0.11') })) }),
    host('lb2', '10.0.0.12', { haproxy: haproxy(), keepalived: keepalived(instance({ priority: p2, advertIntS: advert2, unicastSrcIp: '10.0.0.12', unicastPeers: peers('10.0.0.12') })) }),
  ];
  m.hosts = [...lbs, ...m.hosts.filter((h) => !h.name.startsWith('lb'))];
  return m;
}

const scenario = (m: HaModel, failure: string): Scenario => {
  const s = simulate(m).find((x) => x.failure === failure);
  assert.ok(s, failure);
  return s;
};

describe('a race between equal backups', () => {
  for (const failure of ['node-down:lb0', 'keepalived-down:lb0', 'haproxy-down:lb0'])
    it(`${failure}: both equal backups are candidates, the note says a race decides`, () => {
      const s = scenario(threeLbs(90, 90), failure);
      assert.deepEqual(s.vipHolderCandidates, ['lb1', 'lb2']);
      assert.equal(s.vipHolders.length, 1);
      assert.ok(s.vipHolderCandidates.includes(s.vipHolders[0]!));
      assert.match(s.note, /a race decides the holder: lb1 and lb2/);
      assert.equal(s.apiReachable, true);
    });

  it('stays silent where the outcome is determined: different priorities, different advert intervals, start-up, a failure that moves nothing', () => {
    const unequal = scenario(threeLbs(90, 91), 'node-down:lb0');
    assert.equal(unequal.vipHolderCandidates, undefined);
    assert.deepEqual(unequal.vipHolders, ['lb2']);
    assert.doesNotMatch(unequal.note, /race/);
    // VRRPv2 adverts of 1 s and 2 s: keepalived drops adverts of another interval, so no two of them race.
    assert.equal(scenario(threeLbs(90, 90, 2), 'node-down:lb0').vipHolderCandidates, undefined);
    assert.equal(scenario(threeLbs(90, 90), 'none').vipHolderCandidates, undefined);
    assert.equal(scenario(threeLbs(90, 90), 'node-down:lb1').vipHolderCandidates, undefined);
  });

  it('a drill accepts whichever candidate won, and still fails a holder outside them', () => {
    const m = threeLbs(90, 90);
    const scenarios = simulate(m);
    const parsed = parseFailure('keepalived-down:lb0');
    assert.ok(parsed.ok);
    const p = predictionFor(scenarios, parsed.failure, ['lb0']);
    assert.deepEqual(p.vipHolderCandidates, ['lb1', 'lb2']);
    const measured = (after: string[]) => ({ scenario: formatFailure(parsed.failure), vipHoldersAfter: after, reachable: true, outageMs: 0, recovered: true });
    for (const winner of ['lb1', 'lb2']) assert.deepEqual(judge(measured([winner]), p, 20).filter((f) => f.rule === 'drill-holders-mismatch'), [], winner);
    assert.equal(judge(measured(['lb0']), p, 20).filter((f) => f.rule === 'drill-holders-mismatch').length, 1);
    assert.equal(judge(measured(['lb1', 'lb2']), p, 20).filter((f) => f.rule === 'drill-holders-mismatch').length, 1, 'both holding is a split brain, not a race');
  });
});
