/**
 * The failure simulator: for every single failure the setup admits, the converged VRRP state (who holds
 * the VIP) and whether every new TCP connection to the endpoint reaches a live apiserver.
 *
 * Model and assumptions (docs/analysis.md has the long form):
 * - VRRP semantics come from ./vrrp.ts (verified against keepalived's source).
 * - Start-up: all keepalived daemons start together; `state MASTER` routers start as masters (see `elect`).
 * - Each failure is applied to the converged `none` state (history matters: `state` is only initial).
 * - HAProxy's health checks have converged (a check that cannot pass marks a live server DOWN).
 */
import type { Backend, HaModel, ModelHost } from '../model/types.js';
import type { Scenario } from './types.js';
import { backendOf, backendState, haproxyDetectMs } from './reach.js';
import { classifyScript, classifyTrackFile, trackerPasses, type TrackerClass } from './trackers.js';
import {
  best,
  clampPriority,
  nopreemptEffective,
  effectiveAdvertS,
  fileTrackerEffect,
  masterDownMs,
  skewMs,
  trackerDelta,
  trackerFaults,
  receives,
  whyNotPeers,
  type Contender,
  type Member,
} from './vrrp.js';
import {
  apiserverUp,
  emptyWorld,
  frontendsOn,
  hairpinExposure,
  haproxyRunning,
  haproxyTakesApiserverPort,
  keepalivedRunning,
  nodeUp,
  serverUp,
  sysctlOn,
  worldFor,
  type World,
} from './world.js';

/** How clients reach the apiservers. */
export type EndpointMode =
  | { kind: 'vip'; members: Member[] }
  | { kind: 'static'; host: ModelHost }
  | { kind: 'external' }
  | { kind: 'unknown' };

/** The VRRP instances that carry the endpoint address as a VIP. */
export function vipMembers(model: HaModel): Member[] {
  const out: Member[] = [];
  for (const host of model.hosts) {
    const ka = host.keepalived;
    if (!ka) continue;
    for (const inst of ka.instances) if (inst.vips.some((v) => v.address === model.endpoint.address)) out.push({ host, ka, inst });
  }
  return out;
}

export function endpointMode(model: HaModel): EndpointMode {
  const members = vipMembers(model);
  if (model.externalLb && (model.externalLb.address === model.endpoint.address || members.length === 0)) return { kind: 'external' };
  if (members.length > 0) return { kind: 'vip', members };
  const host = model.hosts.find((h) => h.address === model.endpoint.address);
  return host ? { kind: 'static', host } : { kind: 'unknown' };
}

/** One tracker of an instance, with its classification. */
export interface TrackerUse {
  name: string;
  weight: number;
  reverse: boolean;
  cls: TrackerClass;
  /** Time to notice a change, in ms (interval × fall, the track_process delay; 0 for a track_file: inotify). */
  detectMs: number;
  /** A track_file: the number keepalived reads while the tracked thing passes, and after it failed. */
  fileValues?: { passing: number; failing: number };
}

/** What a tracker does to its instance's priority in a state: the priority change, or FAULT. */
export function trackerEffect(use: TrackerUse, passing: boolean): { delta: number; fault: boolean } {
  if (use.cls.kind === 'disabled') return { delta: 0, fault: false };
  if (use.fileValues) return fileTrackerEffect(passing ? use.fileValues.passing : use.fileValues.failing, use.weight, use.reverse);
  return { delta: trackerDelta(use.weight, use.reverse, passing), fault: trackerFaults(use.weight, use.reverse, passing) };
}

/** The trackers that act on an instance (a vrrp_script no track_script names has no effect). */
export function trackersOf(model: HaModel, m: Member): TrackerUse[] {
  const out: TrackerUse[] = [];
  // A sync group's track_script acts on every member instance like the instance's own (keepalived.conf(5)).
  const groupRefs = (m.ka.syncGroups ?? []).filter((g) => g.instances.includes(m.inst.name)).flatMap((g) => g.trackScripts);
  for (const ref of [...m.inst.trackScripts, ...groupRefs]) {
    const s = m.ka.scripts[ref.name];
    if (!s) continue;
    out.push({
      name: ref.name,
      weight: ref.weight ?? s.weight,
      reverse: ref.weightReverse ?? s.weightReverse,
      cls: classifyScript(model, m.host, m.ka, s),
      detectMs: Math.round(s.intervalS * 1000 * Math.max(1, s.fall)),
    });
  }
  for (const ref of m.inst.trackProcesses) {
    const p = m.ka.processes[ref.name];
    if (!p) continue;
    const proc = p.process.split('/').pop() ?? p.process;
    const cls: TrackerClass =
      proc === 'haproxy'
        ? { kind: 'haproxy-process', detail: 'track_process haproxy' }
        : proc === 'kube-apiserver'
          ? { kind: 'apiserver-local', detail: 'track_process kube-apiserver' }
          : { kind: 'always-passes', detail: `track_process ${proc}: not a process we simulate failing` };
    out.push({ name: ref.name, weight: ref.weight ?? p.weight, reverse: ref.weightReverse ?? false, cls, detectMs: Math.round((p.delayS ?? 0) * 1000) });
  }
  for (const ref of m.inst.trackFiles) {
    const tf = m.ka.trackFiles[ref.name];
    if (!tf) continue;
    const c = classifyTrackFile(m.host, tf);
    // vrrp_alloc_track_file: the instance's `weight N [reverse]` replaces the block's weight; reverse is kept unless given.
    out.push({ name: ref.name, weight: ref.weight ?? tf.weight, reverse: (ref.weightReverse ?? false) || (tf.weightReverse ?? false), cls: c.cls, detectMs: c.detectMs, fileValues: c.values });
  }
  return out;
}

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

interface Ctx {
  model: HaModel;
  mode: EndpointMode;
  /** VIP holders in the `none` scenario (HAProxy started while they held the VIP). */
  noneHolders: Set<string>;
  /**
   * LB hosts whose HAProxy binds the VIP without net.ipv4.ip_nonlocal_bind and did not hold it at boot: HAProxy
   * failed to start there, so it is down in every scenario (for their trackers too, e.g. `pidof haproxy`).
   */
  bootFailed: Set<string>;
}

/** Whether every new connection arriving at `host` for the endpoint reaches a live apiserver. */
export function pathThrough(ctx: Ctx, host: ModelHost, w: World): { ok: boolean; why: string } {
  const { model } = ctx;
  const ep = model.endpoint;
  if (!nodeUp(w, host)) return { ok: false, why: `${host.name} is down` };
  if (ctx.bootFailed.has(host.name))
    return {
      ok: false,
      why: `HAProxy on ${host.name} binds ${ep.address}:${ep.port} without net.ipv4.ip_nonlocal_bind=1; it could not start while ${host.name} lacked the VIP`,
    };
  if (ctx.mode.kind === 'vip' && host.keepalived?.vrrpStrict) {
    const member = ctx.mode.members.find((m) => m.host === host);
    if (member && member.inst.priority !== 255)
      return { ok: false, why: `vrrp_strict on ${host.name} sets no_accept: keepalived's firewall rules drop packets to the VIP` };
  }
  const fes = host.haproxy && haproxyRunning(w, host) ? frontendsOn(host.haproxy, ep.port, ep.address) : [];
  const hit = fes[0];
  if (hit) {
    const { fe, bind } = hit;
    if (fe.mode === 'http' && !(bind as { ssl?: boolean }).ssl)
      return { ok: false, why: `frontend ${fe.name} on ${host.name} is mode http: clients speak TLS to the apiserver and HAProxy answers 400` };
    const be = backendOf(host, fe);
    if (!be) return { ok: false, why: `frontend ${fe.name} on ${host.name} has no backend` };
    const st = backendState(model, w, host, be);
    return { ok: st.ok, why: `via HAProxy ${fe.name} on ${host.name}: ${st.why}` };
  }
  if (host.apiserver && host.apiserver.port === ep.port) {
    const up = apiserverUp(w, host);
    return {
      ok: up,
      why: up
        ? `straight to the apiserver on ${host.name}:${ep.port} (HAProxy bypassed)`
        : `${ep.port} on ${host.name} is the local apiserver (HAProxy bypassed), and it is down`,
    };
  }
  if (host.haproxy && !haproxyRunning(w, host) && frontendsOn(host.haproxy, ep.port, ep.address).length > 0)
    return { ok: false, why: `HAProxy on ${host.name} is down and nothing else listens on ${ep.address}:${ep.port}` };
  return { ok: false, why: `nothing on ${host.name} listens on ${ep.address}:${ep.port}` };
}

/** Every failure the setup admits, with DESIGN.md's exact names. */
export function failuresOf(model: HaModel): string[] {
  const out = ['none'];
  const add = (f: string): void => {
    if (!out.includes(f)) out.push(f);
  };
  const lbs = model.hosts.filter((h) => h.haproxy || h.keepalived);
  for (const h of lbs) {
    if (h.haproxy) add(`haproxy-down:${h.name}`);
    if (h.keepalived) add(`keepalived-down:${h.name}`);
    add(`node-down:${h.name}`);
  }
  for (const key of apiserverKeys(model)) add(`apiserver-down:${key}`);
  for (const h of model.hosts) if (h.apiserver) add(`node-down:${h.name}`);
  const members = vipMembers(model);
  for (let i = 0; i < members.length; i++)
    for (let j = i + 1; j < members.length; j++) {
      const a = members[i] as Member;
      const b = members[j] as Member;
      if (a.host === b.host || whyNotPeers(a, b) !== undefined) continue;
      add(`partition:${a.host.name}|${b.host.name}`);
    }
  return out;
}

/**
 * The backends that carry apiserver traffic on a host: those behind a frontend on the endpoint port; when no
 * frontend binds it (seed 003), those with servers on an apiserver port of the model (else every backend).
 */
export function apiBackendsOf(model: HaModel, host: ModelHost): Backend[] {
  const cfg = host.haproxy;
  if (!cfg) return [];
  const out = new Set<Backend>();
  for (const { fe } of frontendsOn(cfg, model.endpoint.port)) {
    const be = backendOf(host, fe);
    if (be) out.add(be);
  }
  if (out.size > 0) return [...out];
  const ports = new Set(model.hosts.flatMap((h) => (h.apiserver ? [h.apiserver.port] : [])));
  if (ports.size === 0) ports.add(6443);
  return cfg.backends.filter((b) => b.servers.some((s) => ports.has(s.port)));
}

/** Apiservers as `address:port`: as written in backend server lines, then hosts that run one and are in no backend. */
export function apiserverKeys(model: HaModel): string[] {
  const keys: string[] = [];
  const add = (k: string): void => {
    if (!keys.includes(k)) keys.push(k);
  };
  for (const h of model.hosts) for (const be of apiBackendsOf(model, h)) for (const s of be.servers) if (!s.disabled) add(`${s.address}:${s.port}`);
  for (const b of model.externalLb?.backends ?? []) add(`${b.address}:${b.port}`);
  for (const h of model.hosts) {
    if (!h.apiserver) continue;
    const covered = keys.some((k) => k === `${h.address}:${h.apiserver?.port}` || k === `${h.name}:${h.apiserver?.port}`);
    if (!covered) add(`${h.address}:${h.apiserver.port}`);
  }
  return keys.filter((k) => !k.startsWith('127.') && !k.startsWith('localhost:'));
}

/** Runs every scenario. */
export function simulate(model: HaModel): Scenario[] {
  const mode = endpointMode(model);
  const failures = failuresOf(model);
  if (mode.kind === 'external') return failures.map((f) => externalScenario(model, f));
  let none = mode.kind === 'vip' ? elect(model, mode.members, emptyWorld()) : undefined;
  const noneHolders = new Set(mode.kind === 'vip' ? (none?.holders ?? []) : mode.kind === 'static' ? [mode.host.name] : []);
  const bootFailed = new Set(mode.kind === 'vip' ? model.hosts.filter((h) => !noneHolders.has(h.name) && bindsVipWithoutNonlocal(model, h)).map((h) => h.name) : []);
  // Lower priorities on hosts that do not hold the VIP cannot change who holds it; the states (and notes) do change.
  if (mode.kind === 'vip' && bootFailed.size > 0) none = elect(model, mode.members, withBootFailures(emptyWorld(), bootFailed));
  const ctx: Ctx = { model, mode, noneHolders, bootFailed };
  return failures.map((f) => scenario(ctx, f, none));
}

/** Whether HAProxy on `host` binds the endpoint VIP itself without net.ipv4.ip_nonlocal_bind=1. */
function bindsVipWithoutNonlocal(model: HaModel, host: ModelHost): boolean {
  const ep = model.endpoint;
  if (!host.haproxy || sysctlOn(host, 'net.ipv4.ip_nonlocal_bind')) return false;
  return frontendsOn(host.haproxy, ep.port, ep.address).some(({ bind }) => bind.address === ep.address);
}

function withBootFailures(w: World, bootFailed: Set<string>): World {
  for (const h of bootFailed) w.haproxyDown.add(h);
  return w;
}

function scenario(ctx: Ctx, failure: string, none: Election | undefined): Scenario {
  const { model, mode } = ctx;
  const w = withBootFailures(worldFor(failure), ctx.bootFailed);
  const ep = `${model.endpoint.address}:${model.endpoint.port}`;
  if (mode.kind === 'external') return externalScenario(model, failure);
  if (mode.kind === 'unknown')
    return { failure, vipHolders: [], apiReachable: false, note: `the endpoint ${ep} is neither a keepalived VIP, a host of the mirror, nor an external LB` };

  let holders: string[];
  let election: Election | undefined;
  const notes: string[] = [];
  if (mode.kind === 'vip') {
    election = elect(model, mode.members, w, failure === 'none' ? undefined : none);
    holders = election.holders;
    notes.push(vrrpNote(election, none, failure));
  } else {
    holders = nodeUp(w, mode.host) ? [mode.host.name] : [];
    notes.push(`${ep} is the address of ${mode.host.name} itself (no VIP, no failover)`);
  }
  for (const h of model.hosts)
    if (haproxyTakesApiserverPort(h)) notes.push(`assumed: HAProxy holds port ${h.apiserver?.port} on ${h.name}, so its apiserver cannot listen`);
  // A flapping VIP is held by each of the hosts in turn: clients need every one of them to work.
  const flapping = election?.flapping;
  if (flapping)
    notes.push(
      `the election never settles: the VIP keeps moving between ${flapping.join(' and ')} (a backup preempts while its check skips the holder-only part, then that part fails once it holds the VIP)`,
    );
  const paths = (flapping ?? holders).map((name) => pathThrough(ctx, hostByName(model, name), w));
  const apiReachable = holders.length > 0 && paths.every((p) => p.ok);
  if (holders.length === 0) notes.push(`nobody holds ${model.endpoint.address}`);
  for (const p of paths) notes.push(p.why);
  if (holders.length > 1) notes.push(`split brain: ${holders.join(' and ')} both hold ${model.endpoint.address}; ARP flips between them and connections reset`);

  let predictedOutageMs: number | undefined;
  if (apiReachable) {
    predictedOutageMs = failure === 'none' ? 0 : Math.round(outageMs(ctx, w, none, election, holders));
    notes.push(`predicted outage: ${predictedOutageMs} ms`);
  } else notes.push('predicted outage: until repaired');
  const s: Scenario = { failure, vipHolders: holders, apiReachable, note: notes.filter(Boolean).join('; ') };
  if (predictedOutageMs !== undefined) s.predictedOutageMs = predictedOutageMs;
  return s;
}

function hostByName(model: HaModel, name: string): ModelHost {
  return model.hosts.find((h) => h.name === name) as ModelHost;
}

function describeState(s: InstanceState): string {
  if (!s.running) return `${s.m.host.name}: keepalived not running`;
  const parts = s.trackers
    .filter((t) => t.use.cls.kind !== 'disabled')
    .map((t) => {
      const file = t.use.fileValues ? `reads ${t.passing ? t.use.fileValues.passing : t.use.fileValues.failing}` : '';
      const weight = t.use.weight !== 0 ? `weight ${t.use.weight > 0 ? '+' : ''}${t.use.weight}${t.use.reverse ? ' reverse' : ''}` : '';
      const extra = [file, weight].filter(Boolean).join(', ');
      return `${t.use.name} ${t.passing ? 'passes' : 'fails'}${extra ? ` (${extra})` : ''}`;
    });
  return `${s.m.host.name}: ${s.fault ? 'FAULT' : `priority ${s.prio}`}${parts.length > 0 ? ` [${parts.join(', ')}]` : ''}`;
}

const NOTED_KINDS = new Set(['unknown', 'always-fails', 'disabled', 'apiserver-local', 'static']);

function vrrpNote(e: Election, none: Election | undefined, failure: string): string {
  const states = e.states.map(describeState).join(', ');
  const before = none?.holders.join('+') ?? '';
  const after = e.holders.join('+') || 'nobody';
  if (failure === 'none') {
    // Say once what kubeha assumed about trackers it could not simply read.
    const odd = new Set<string>();
    for (const st of e.states) for (const t of st.trackers) if (NOTED_KINDS.has(t.use.cls.kind)) odd.add(`${st.m.host.name}/${t.use.name}: ${t.use.cls.detail}`);
    const holder = e.states.find((st) => e.holders.length === 1 && st.m.host.name === e.holders[0]);
    const tied = holder ? e.states.filter((st) => st !== holder && !st.fault && st.prio === holder.prio).map((st) => st.m.host.name) : [];
    if (tied.length > 0) {
      odd.add(`${after} and ${tied.join(', ')} have equal priority: which one holds the VIP after start-up depends on start order (kubeha assumes the higher IP); the scenarios of the other mirror these`);
    }
    return `VRRP after start-up: ${after} MASTER (${states})${odd.size > 0 ? `; ${[...odd].join('; ')}` : ''}`;
  }
  const moved =
    before === after ? `VIP stays on ${after}` : e.holders.length > 1 ? `VIP held by ${e.holders.join(' and ')}` : `VIP moves ${before || 'nowhere'} → ${after}`;
  return `${moved} (${states})`;
}

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
function outageMs(ctx: Ctx, w: World, none: Election | undefined, after: Election | undefined, holders: string[]): number {
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
    const be = fe ? backendOf(host, fe) : undefined;
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

function externalScenario(model: HaModel, failure: string): Scenario {
  const lb = model.externalLb;
  const w = worldFor(failure);
  const name = `external:${lb?.address ?? model.endpoint.address}`;
  if (!lb) return { failure, vipHolders: [name], apiReachable: false, note: 'no external LB in the model' };
  const states = lb.backends.map((b) => ({ b, up: serverUp(model, w, b.address, b.port) }));
  const upCount = states.filter((s) => s.up).length;
  const notes = [`${lb.address}:${lb.port} is an external load balancer`];
  let ok: boolean;
  if (upCount === 0) {
    ok = false;
    notes.push('no backend apiserver is alive');
  } else if (!lb.healthCheck && upCount < states.length) {
    ok = false;
    notes.push(`without health checks the LB keeps sending ${states.length - upCount}/${states.length} of new connections to a dead apiserver`);
  } else {
    ok = true;
    notes.push(`${upCount}/${states.length} backends alive${lb.healthCheck ? ' (health-checked)' : ''}`);
  }
  if (!lb.hairpin) {
    const { exposed, local } = hairpinExposure(model);
    const selfOk = local.filter((h) => !exposed.includes(h));
    if (selfOk.length > 0) notes.push(`${selfOk.map((h) => h.name).join(', ')} resolve ${model.endpoint.domain ?? 'the endpoint'} to themselves: no hairpin needed`);
    if (exposed.length > 0 || selfOk.length === 0)
      notes.push(`no hairpin: ${exposed.length > 0 ? exposed.map((h) => h.name).join(', ') : 'an apiserver host'} reaching the endpoint through the LB may land on itself and fail (kubelet on masters)`);
  }
  notes.push(ok ? 'predicted outage: the LB health check interval × threshold (not in the mirror)' : 'predicted outage: until repaired');
  return { failure, vipHolders: [name], apiReachable: ok, note: notes.join('; ') };
}
