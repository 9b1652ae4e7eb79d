/** The predicted client-visible outage of a failure: the VIP's move and HAProxy's detection of dead servers. */
import { backendOf, frontendsOn } from '../../model/listeners.js';
import { haproxyDetectMs } from '../reach.js';
import { clampPriority, effectiveAdvertS, masterDownMs, skewMs, trackerEffect } from '../vrrp.js';
import { emptyWorld, keepalivedRunning, nodeUp, serverUp, type World } from '../world.js';
import type { Election, InstanceState } from './election.js';
import { hostByName, pathThrough, type SimulationContext } from './path.js';

/**
 * When the old master gives way, in ms after the failure: its trackers change state one by one (each after its own
 * detection time: interval × fall for a script, none for a track_file written by a unit hook); it enters FAULT at the
 * first change that faults it, and is preempted once its priority falls below the new master's `rival` priority.
 */
function detectionMs(after: InstanceState, before: InstanceState, rival: number): number {
  const changed = after.trackers.filter((t, i) => before.trackers[i]?.passing !== t.passing).sort((a, b) => a.use.detectMs - b.use.detectMs);
  const slowest = Math.max(0, ...changed.map((t) => t.use.detectMs));
  for (const t of changed) {
    const at = t.use.detectMs;
    let total = after.m.inst.priority;
    let fault = false;
    for (const [i, u] of after.trackers.entries()) {
      const switched = changed.includes(u) && u.use.detectMs <= at;
      const e = trackerEffect(u.use, switched ? u.passing : (before.trackers[i]?.passing ?? u.passing));
      total += e.delta;
      fault ||= e.fault;
    }
    if (fault || clampPriority(after.m.inst.priority, total) < rival) return at;
  }
  return slowest;
}

/** The predicted time during which new connections fail, in ms, for a scenario whose end state is reachable. */
export function outageMs(ctx: SimulationContext, w: World, none: Election | undefined, after: Election | undefined, holders: string[]): number {
  const { model } = ctx;
  let vipMs = 0;
  if (none && after) {
    const oldHolder = none.masters[0];
    const newMaster = after.masters.find((c) => c.m.host.name === holders[0]);
    const changed = none.holders.join('+') !== after.holders.join('+');
    if (changed && oldHolder && newMaster) {
      const oldUp = nodeUp(w, oldHolder.m.host);
      // Did the old holder keep serving until it lost the VIP (a priority drop, not a broken path)?
      const oldServed = oldUp && pathThrough(ctx, oldHolder.m.host, w).ok;
      const adv = effectiveAdvertS(newMaster.m.inst);
      const oldState = after.states.find((s) => s.m === oldHolder.m);
      const noneState = none.states.find((s) => s.m === oldHolder.m);
      const detect = oldState && noneState ? detectionMs(oldState, noneState, newMaster.prio) : 0;
      // node-down: the backup waits the master-down interval. keepalived stop / FAULT: the old master
      // releases the VIP and sends priority 0, the backup takes over after its skew time. A priority
      // drop: the old master keeps the VIP until the backup's master-down timer expires.
      if (!oldUp) vipMs = masterDownMs(newMaster.prio, adv);
      else if (!keepalivedRunning(w, oldHolder.m.host)) vipMs = skewMs(newMaster.prio, adv);
      else if (oldState?.fault) vipMs = (oldServed ? 0 : detect) + skewMs(newMaster.prio, adv);
      else vipMs = oldServed ? 0 : detect + masterDownMs(newMaster.prio, adv);
    }
  }
  // HAProxy keeps sending new connections to a dead server until its checks notice (inter × fall),
  // unless option redispatch retries them elsewhere.
  let beMs = 0;
  for (const name of holders) {
    const host = hostByName(model, name);
    const fe = host.haproxy ? frontendsOn(host.haproxy, model.endpoint.port, model.endpoint.address)[0]?.fe : undefined;
    const be = fe ? backendOf(host, fe, model.endpoint) : undefined;
    if (!be || be.redispatch) continue;
    for (const s of be.servers) {
      if (s.disabled || !s.check) continue;
      const upBefore = serverUp(model, emptyWorld(), s.address, s.port, host);
      const upNow = serverUp(model, w, s.address, s.port, host);
      if (upBefore && !upNow) beMs = Math.max(beMs, haproxyDetectMs(s));
    }
  }
  return Math.max(vipMs, beMs);
}
