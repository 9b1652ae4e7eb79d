/**
 * The VRRP election: each instance's effective priority in a world, and who ends up MASTER (holds the VIP).
 * VRRP semantics come from ../vrrp.ts (verified against keepalived's source).
 */
import { trackersOf, type Member, type TrackerUse } from '../../model/queries.js';
import type { HaModel } from '../../model/types.js';
import { best, clampPriority, effectiveAdvertS, nopreemptEffective, receives, trackerEffect, type Contender } from '../vrrp.js';
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

/** Every router's standing in a world, as a backup and as a master (they differ only for `vipOnly` checks). */
export interface RouterStates {
  asBackup: InstanceState[];
  asMaster: InstanceState[];
}

/**
 * The routers' standings in world `w`. With `reuse`, the routers `touched` does not name keep their standing from
 * `reuse.base` (a world that differs from `w` only in what cannot reach them), and only the others are recomputed.
 */
export function routerStates(model: HaModel, members: Member[], w: World, reuse?: { base: RouterStates; touched: (k: number) => boolean }): RouterStates {
  const asBackup: InstanceState[] = [];
  const asMaster: InstanceState[] = [];
  for (const [k, m] of members.entries()) {
    const b = reuse && !reuse.touched(k) ? reuse.base.asBackup[k] : undefined;
    const a = reuse && !reuse.touched(k) ? reuse.base.asMaster[k] : undefined;
    asBackup.push(b ?? instanceState(model, m, w, false));
    asMaster.push(a ?? instanceState(model, m, w, true));
  }
  return { asBackup, asMaster };
}

/** The converged VRRP state of a world. */
export interface Election {
  states: InstanceState[];
  masters: Contender[];
  holders: string[];
  /** The hosts the VIP keeps moving between when the election never settles (`holders` is one moment of it). */
  flapping?: string[];
  /** The last round changed nothing: every live backup hears a master it accepts (false: flapping or out of rounds). */
  settled: boolean;
  /**
   * After a failure, the holder came out of a race: these backups (the holder among them) had the same priority and
   * advert interval, so their master-down timers end together and whichever fires first takes the VIP; the others
   * then hear a master of their own priority and stay backup (keepalived's vrrp_state_backup accepts priority >= its
   * own). The higher address wins only when two become master at once (vrrp_state_master_rx). `holders` is one
   * outcome.
   */
  race?: string[];
}

function cutBetween(w: World, a: Member, b: Member): boolean {
  if (!w.cut) return false;
  const [x, y] = w.cut;
  return (a.host.name === x && b.host.name === y) || (a.host.name === y && b.host.name === x);
}

/**
 * `receives` per pair of members, computed once: the simulator asks it of the same masters in every scenario, and a
 * unicast_peer lookup costs more than this map (members are the simulation's own objects, so the cache dies with it).
 */
const heard = new WeakMap<Member, WeakMap<Member, boolean>>();

/** Whether `b` hears the adverts of `a` in world `w`. */
function hears(w: World, a: Member, b: Member): boolean {
  if (cutBetween(w, a, b)) return false;
  let from = heard.get(a);
  if (!from) heard.set(a, (from = new WeakMap()));
  let r = from.get(b);
  if (r === undefined) from.set(b, (r = receives(a, b)));
  return r;
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
export function elect(model: HaModel, members: Member[], w: World, previous?: Election, standing?: RouterStates): Election {
  // Each router's standing as a backup and as a master: they differ only for checks that run while the host
  // holds the VIP (TrackerClass.vipOnly), so a router whose VIP check fails drops once it is master.
  const { asBackup, asMaster } = standing ?? routerStates(model, members, w);
  const contender = (s: InstanceState | undefined): Contender | undefined => (s && s.running && !s.fault ? { m: s.m, prio: s.prio } : undefined);
  const backups = members.map((_, k) => contender(asBackup[k]));
  const mastersAs = members.map((_, k) => contender(asMaster[k]));
  const initial = previous ? (k: number) => previous.masters.some((p) => p.m === members[k]) : (k: number) => members[k]?.inst.state === 'MASTER';
  const isMaster = members.map((_, k) => backups[k] !== undefined && mastersAs[k] !== undefined && initial(k));
  // The masters in member order, kept as a list of indices: masters are few, routers may be 254.
  let masterIdx = isMaster.flatMap((x, k) => (x ? [k] : []));
  const masterList = (): Contender[] => masterIdx.flatMap((k) => { const c = mastersAs[k]; return c && isMaster[k] === true ? [c] : []; });
  const index = new Map(members.map((m, k) => [m, k]));
  const history = new Map<string, number>();
  const raceAt = new Map<number, string[]>();
  let flapping: string[] | undefined;
  let settled = false;
  for (let round = 0; round < members.length * 4 + 4; round++) {
    // A state seen before: the routers cycle (a backup preempts, then a check that runs only on the holder fails).
    const key = isMaster.map((x) => (x ? '1' : '0')).join('');
    const seenAt = history.get(key);
    if (seenAt !== undefined) {
      const cycle = [...history.keys()].slice(seenAt);
      flapping = [...new Set(cycle.flatMap((h) => members.filter((_, k) => h[k] === '1').map((m) => m.host.name)))];
      // Report one holder: the router that held the VIP before (it keeps coming back), else the first of the cycle.
      const back = members.findIndex((m, k) => initial(k) && flapping?.includes(m.host.name));
      const pick = back >= 0 ? back : members.findIndex((m) => flapping?.includes(m.host.name));
      for (let k = 0; k < isMaster.length; k++) isMaster[k] = k === pick;
      masterIdx = pick >= 0 ? [pick] : [];
      break;
    }
    history.set(key, history.size);
    let changed = false;
    for (const [k, c] of mastersAs.entries()) {
      if (!isMaster[k] || !c) continue;
      if (masterList().some((o) => o.m !== c.m && beats(o, c) && hears(w, o.m, c.m))) {
        isMaster[k] = false;
        changed = true;
      }
    }
    const ms = masterList();
    const unsatisfied = backups.filter(
      (c, k): c is Contender =>
        c !== undefined && !isMaster[k] && mastersAs[k] !== undefined && !ms.some((mm) => (mm.prio >= c.prio || nopreemptEffective(c.m.inst)) && hears(w, mm.m, c.m)),
    );
    const next = best(unsatisfied);
    if (next) {
      const k = index.get(next.m) ?? -1;
      if (previous) {
        const adv = effectiveAdvertS(next.m.inst);
        const tied = unsatisfied.filter((c) => c === next || (c.prio === next.prio && effectiveAdvertS(c.m.inst) === adv && hears(w, next.m, c.m) && hears(w, c.m, next.m)));
        if (tied.length > 1) raceAt.set(k, tied.map((c) => c.m.host.name));
      }
      isMaster[k] = true;
      masterIdx = [...masterIdx, k].sort((a, b) => a - b);
      changed = true;
    }
    if (!changed) {
      settled = true;
      break;
    }
  }
  const states = members.map((_, k) => (isMaster[k] ? asMaster[k] : asBackup[k])).filter((x): x is InstanceState => x !== undefined);
  const ordered = masterList();
  const holders = [...new Set(ordered.map((c) => c.m.host.name))];
  const race = ordered.length === 1 && !flapping ? raceAt.get(index.get(ordered[0]!.m) ?? -1) : undefined;
  return { states, masters: ordered, holders, settled, ...(flapping && flapping.length > 1 ? { flapping } : {}), ...(race ? { race } : {}) };
}
