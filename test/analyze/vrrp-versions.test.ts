import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeModel } from '../../src/analyze/index.js';
import type { HaModel } from '../../src/model/types.js';
import { bothLbs, clone, goodModel, inst } from './build.js';

const none = (m: HaModel): { vipHolders: string[]; note: string } | undefined => analyzeModel(m).scenarios.find((s) => s.failure === 'none');

describe('VRRP versions and intervals', () => {
  it('VRRPv2 peers with different advert_int drop each other\'s adverts (vrrp.c vrrp_check_packet): both hold the VIP', () => {
    const m = clone(goodModel());
    inst(m, 'lb1').advertIntS = 2;
    assert.deepEqual(none(m)?.vipHolders.sort(), ['lb0', 'lb1']);
  });
  it('VRRPv3 peers with different advert_int still hear each other (the backup adopts the master\'s interval)', () => {
    const m = clone(goodModel());
    bothLbs(m, (h) => h.keepalived?.instances.forEach((i) => (i.version = 3)));
    inst(m, 'lb1').advertIntS = 2;
    assert.equal(none(m)?.vipHolders.length, 1);
  });
  it('equal advert_int: one holder (silent)', () => {
    assert.equal(none(clone(goodModel()))?.vipHolders.length, 1);
  });
  it('state MASTER on both with equal priority: the note says start-up order decides, without claiming it knows', () => {
    const m = clone(goodModel());
    bothLbs(m, (h) => h.keepalived?.instances.forEach((i) => (i.state = 'MASTER')));
    assert.match(none(m)?.note ?? '', /depends on the order they start in/);
    assert.doesNotMatch(none(clone(goodModel()))?.note ?? '', /order they start in/);
  });
});
