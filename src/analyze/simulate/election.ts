/**
 * The VRRP election: each instance's effective priority in a world, and who ends up MASTER (holds the VIP).
 * VRRP semantics come from ../vrrp.ts (verified against keepalived's source).
 */
import { trackersOf, type Member, type TrackerUse } from '../../model/queries.js';
import type { HaModel } from '../../model/types.js';
import { best, clampPriority, nopreemptEffective, receives, trackerEffect, type Contender } from '../vrrp.js';
import { keepalivedRunning, nodeUp, type World } from '../world.js';
import { trackerPasses } from './tracker-state.js';

/** An instance's standing in a world. */
export interface InstanceState {
  m: Member;
  /** Node up and keepalived running. */
  running: boolean;
  /** A weight-0 tracker put it in FAULT. */
  fault: boolean;
  prio: number;
  /** Tracker states, for notes. */
  trackers: { use: TrackerUse; passing: boolean }[];
}

export function instanceState(model: HaModel, m: Member, w: World, holdsVip = false): InstanceState {
  const running = nodeUp(w, m.host) && keepalivedRunning(w, m.host);
  const trackers = trackersOf(model, m).map((use) => ({ use, passing: trackerPasses(model, m.host, use.cls, w, holdsVip) }));
  let total = m.inst.priority;
  let fault = false;
  for (const t of trackers) {
    const e = trackerEffect(t.use, t.passing);
    total += e.delta;
    if (e.fault) fault = true;
  }
  return { m, running, fault, prio: clampPriority(m.inst.priority, total), trackers };
}

/** The converged VRRP state of a world. */
export interface Election {
  states: InstanceState[];
  masters: Contender[];
  holders: string[];
  /** The hosts the VIP keeps moving between when the election never settles (`holders` is one moment of it). */
  flapping?: string[];
}

function cutBetween(w: World, a: Member, b: Member): boolean {
  if (!w.cut) return false;
  const [x, y] = w.cut;
  return (a.host.name === x && b.host.name === y) || (a.host.name === y && b.host.name === x);
}

/** Whether `b` hears the adverts of `a` in world `w`. */
function hears(w: World, a: Member, b: Member): boolean {
  return receives(a, b) && !cutBetween(w, a, b);
}

/** Whether master `x` beats master `y` when they hear each other: higher priority, then higher primary IP. */
function beats(x: Contender, y: Contender): boolean {
  return x !== y && best([y, x]) === x;
}

/**
 * Elects the masters. Only masters send adverts, so a backup stays backup only while it hears a master it
 * accepts (priority >= its own, or any priority with nopreempt: vrrp_state_backup); otherwise its master-down
 * timer expires. Among such backups the best (highest priority, smallest skew) becomes master first. Masters
 * that hear a better master step down (vrrp_state_master_rx). Repeated until nothing changes.
 * Without `previous` (start-up) the routers with `state MASTER` start as masters (they wait one advert
 * interval instead of a master-down interval); otherwise the previous masters that are still live do.
 */
export function elect(model: HaModel, members: Member[], w: World, previous?: Election): Election {
  // Each router's standing as a backup and as a master: they differ only for checks that run while the host
  // holds the VIP (TrackerClass.vipOnly), so a router whose VIP check fails drops once it is master.
  const asBackup = members.map((m) => instanceState(model, m, w, false));
  const asMaster = members.map((m) => instanceState(model, m, w, true));
  const contender = (s: InstanceState | undefined): Contender | undefined => (s && s.running && !s.fault ? { m: s.m, prio: s.prio } : undefined);
  const backups = members.map((_, k) => contender(asBackup[k]));
  const mastersAs = members.map((_, k) => contender(asMaster[k]));
  const initial = previous ? (k: number) => previous.masters.some((p) => p.m === members[k]) : (k: number) => members[k]?.inst.state === 'MASTER';
  const isMaster = members.map((_, k) => backups[k] !== undefined && mastersAs[k] !== undefined && initial(k));
  const masterList = (): Contender[] => mastersAs.filter((c, k): c is Contender => c !== undefined && isMaster[k] === true);
  const history: string[] = [];
  let flapping: string[] | undefined;
  for (let round = 0; round < members.length * 4 + 4; round++) {
    // A state seen before: the routers cycle (a backup preempts, then a check that runs only on the holder fails).
    const key = isMaster.map((x) => (x ? '1' : '0')).join('');
    const seenAt = history.indexOf(key);
    if (seenAt >= 0) {
      const cycle = history.slice(seenAt);
      flapping = [...new Set(cycle.flatMap((h) => members.filter((_, k) => h[k] === '1').map((m) => m.host.name)))];
      // Report one holder: the router that held the VIP before (it keeps coming back), else the first of the cycle.
      const back = members.findIndex((m, k) => initial(k) && flapping?.includes(m.host.name));
      const pick = back >= 0 ? back : members.findIndex((m) => flapping?.includes(m.host.name));
      for (let k = 0; k < isMaster.length; k++) isMaster[k] = k === pick;
      break;
    }
    history.push(key);
    let changed = false;
    for (const [k, c] of mastersAs.entries()) {
      if (!isMaster[k] || !c) continue;
      if (masterList().some((o) => o.m !== c.m && hears(w, o.m, c.m) && beats(o, c))) {
        isMaster[k] = false;
        changed = true;
      }
    }
    const ms = masterList();
    const unsatisfied = backups.filter(
      (c, k): c is Contender =>
        c !== undefined && !isMaster[k] && mastersAs[k] !== undefined && !ms.some((mm) => hears(w, mm.m, c.m) && (mm.prio >= c.prio || nopreemptEffective(c.m.inst))),
    );
    const next = best(unsatisfied);
    if (next) {
      isMaster[members.indexOf(next.m)] = true;
      changed = true;
    }
    if (!changed) break;
  }
  const states = members.map((_, k) => (isMaster[k] ? asMaster[k] : asBackup[k])).filter((x): x is InstanceState => x !== undefined);
  const ordered = masterList();
  const holders = [...new Set(ordered.map((c) => c.m.host.name))];
  return { states, masters: ordered, holders, ...(flapping && flapping.length > 1 ? { flapping } : {}) };
}
