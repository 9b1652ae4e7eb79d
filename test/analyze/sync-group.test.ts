import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeModel } from '../../src/analyze/index.js';
import { trackersOf, vipMembers } from '../../src/model/queries.js';
import type { HaModel } from '../../src/model/types.js';
import { bothLbs, clone, goodModel, instance, script } from './build.js';

// keepalived 2.2.7 vrrp.c vrrp_complete_init / sync_group_tracking_init: in a sync group without
// sync_group_tracking_weight an instance's weighted track_scripts are removed; the group's own trackers and a
// sibling's FAULT act on every member.

/** VI_1 carries the VIP and tracks nothing itself; VI_2 (same group, another VIP) tracks HAProxy. */
function siblingTracks(weight: number, o: { trackingWeight?: boolean } = {}): HaModel {
  const m = clone(goodModel());
  bothLbs(m, (h) => {
    const ka = h.keepalived;
    if (!ka) return;
    const vi1 = ka.instances[0];
    if (!vi1) return;
    vi1.trackScripts = [];
    ka.scripts['chk_haproxy'] = script('chk_haproxy', '/usr/bin/pidof haproxy', { weight });
    ka.instances.push(instance({ name: 'VI_2', virtualRouterId: 43, vips: [{ address: '10.0.0.101', prefix: 32 }], unicastSrcIp: vi1.unicastSrcIp, unicastPeers: vi1.unicastPeers }));
    ka.syncGroups = [{ name: 'G', instances: ['VI_1', 'VI_2'], trackScripts: [], ...(o.trackingWeight ? { trackingWeight: true } : {}) }];
  });
  return m;
}

const rules = (m: HaModel): string[] => analyzeModel(m).findings.map((f) => f.rule);

describe('vrrp_sync_group', () => {
  it("a weight-0 tracker on a sibling instance protects the VIP instance: track-none stays silent", () => {
    const m = siblingTracks(0);
    const vip = vipMembers(m)[0];
    assert.ok(vip);
    assert.deepEqual(trackersOf(m, vip).map((t) => t.weight), [0]);
    assert.ok(!rules(m).includes('track-none'));
    assert.ok(!rules(m).includes('vrrp-sync-group-weight-ignored'));
    const down = analyzeModel(m).scenarios.find((s) => s.failure === 'haproxy-down:lb0');
    assert.ok(down?.apiReachable, down?.note);
  });
  it('a weighted tracker on a member is dropped without sync_group_tracking_weight: the VIP stays on a dead HAProxy', () => {
    const m = siblingTracks(-50);
    const r = rules(m);
    assert.ok(r.includes('vrrp-sync-group-weight-ignored'));
    assert.ok(r.includes('track-none'));
  });
  it('with sync_group_tracking_weight the weighted sibling tracker counts', () => {
    const m = siblingTracks(-50, { trackingWeight: true });
    const r = rules(m);
    assert.ok(!r.includes('vrrp-sync-group-weight-ignored'));
    assert.ok(!r.includes('track-none'));
  });
  it("a track_script on the group itself acts on every member with its weight", () => {
    const m = siblingTracks(-50);
    bothLbs(m, (h) => {
      const ka = h.keepalived;
      if (!ka) return;
      for (const i of ka.instances) i.trackScripts = [];
      (ka.syncGroups ?? [])[0]?.trackScripts.push({ name: 'chk_haproxy' });
    });
    const vip = vipMembers(m)[0];
    assert.ok(vip);
    assert.deepEqual(trackersOf(m, vip).map((t) => t.weight), [-50]);
    assert.ok(!rules(m).includes('track-none'));
  });
});
