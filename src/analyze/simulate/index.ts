/**
 * The failure simulator: for every single failure the setup admits, the converged VRRP state (who holds
 * the VIP) and whether every new TCP connection to the endpoint reaches a live apiserver.
 *
 * Model and assumptions (docs/analysis.md has the long form):
 * - VRRP semantics come from ../vrrp.ts (verified against keepalived's source).
 * - Start-up: all keepalived daemons start together; `state MASTER` routers start as masters (see `elect`).
 * - Each failure is applied to the converged `none` state (history matters: `state` is only initial).
 * - HAProxy's health checks have converged (a check that cannot pass marks a live server DOWN).
 */
import { formatFailure, type Failure } from '../../model/failure.js';
import { endpointMode, haproxyTakesApiserverPort, hairpinExposure, sysctlOn, trackersOf, vipMembers, type Member } from '../../model/queries.js';
import type { TrackerClass } from '../../model/tracker-class.js';
import type { HaModel, ModelHost } from '../../model/types.js';
import type { Scenario } from '../types.js';
import { nopreemptEffective, receives } from '../vrrp.js';
import { emptyWorld, nodeUp, serverUp, worldFor, type World } from '../world.js';
import { elect, routerStates, type Election, type InstanceState, type RouterStates } from './election.js';
import { failuresOf } from './failures.js';
import { outageMs } from './outage.js';
import { hostByName, pathThrough, type SimulationContext } from './path.js';

/**
 * Above this many routers for the VIP, partitions are enumerated only between a VIP holder and each of its peers, and
 * a scenario's VRRP note lists only the routers whose standing differs from start-up (docs/analysis.md).
 */
export const MANY_ROUTERS = 8;

export interface SimulateOptions {
  /**
   * Recompute every router's standing and re-run the election in every scenario. The default recomputes only the
   * routers a failure can reach and skips the election when its result provably stays; the property test holds the
   * two to identical scenario tables.
   */
  bruteForce?: boolean;
}

/** Runs every scenario. */
export function simulate(model: HaModel, opts: SimulateOptions = {}): Scenario[] {
  const mode = endpointMode(model);
  if (mode.kind === 'external') return failuresOf(model).map((f) => externalScenario(model, f));
  let none = mode.kind === 'vip' ? elect(model, mode.members, emptyWorld()) : undefined;
  const noneHolders = new Set(mode.kind === 'vip' ? (none?.holders ?? []) : mode.kind === 'static' ? [mode.host.name] : []);
  const bootFailed = new Set(mode.kind === 'vip' ? model.hosts.filter((h) => !noneHolders.has(h.name) && bindsVipWithoutNonlocal(model, h)).map((h) => h.name) : []);
  const boot = withBootFailures(emptyWorld(), bootFailed);
  const base = mode.kind === 'vip' ? routerStates(model, mode.members, boot) : undefined;
  // Lower priorities on hosts that do not hold the VIP cannot change who holds it; the states (and notes) do change.
  if (mode.kind === 'vip' && bootFailed.size > 0) none = elect(model, mode.members, boot, undefined, base);
  const many = mode.kind === 'vip' && mode.members.length > MANY_ROUTERS;
  // A cut between two routers that both hear the holder moves nothing (backups listen only to masters): with many
  // routers only the cuts that separate a holder from a peer are scenarios. Needs a settled start-up.
  const cutsWith = many && none?.settled === true ? new Set(none.masters.map((c) => c.m.host.name)) : undefined;
  const failures = failuresOf(model, cutsWith ? { partitionsWith: cutsWith } : {});
  const ctx: SimulationContext = { model, mode, noneHolders, bootFailed };
  const inc: Incremental | undefined =
    mode.kind === 'vip' && base && none && !opts.bruteForce ? { base, none, remote: mode.members.map((m) => trackersOf(model, m).some((t) => readsOtherHosts(t.cls))) } : undefined;
  const n = mode.kind === 'vip' ? mode.members.length : 0;
  const compact = many && none ? { none, total: (n * (n - 1)) / 2, listed: failures.filter((f) => f.kind === 'partition').length, pruned: cutsWith !== undefined } : undefined;
  return failures.map((f) => scenario(ctx, f, none, inc, compact));
}

/** What the incremental path reuses: the routers' standing at start-up, and which routers read other hosts' state. */
interface Incremental {
  base: RouterStates;
  none: Election;
  /** Per member: a tracker of it reads the state of other hosts (backend servers, the apiserver). */
  remote: boolean[];
}

/** Whether a tracker's verdict can change with another host's failure (its backends' servers, an apiserver). */
function readsOtherHosts(c: TrackerClass): boolean {
  return c.kind === 'haproxy-url' || c.kind === 'apiserver-local' || (c.vipOnly !== undefined && readsOtherHosts(c.vipOnly));
}

/** The members whose standing a failure can change: the failed host's, and those whose trackers read other hosts. */
function touchedBy(members: readonly Member[], inc: Incremental, failure: Failure): (k: number) => boolean {
  switch (failure.kind) {
    case 'none':
    case 'link-degraded':
    case 'partition':
      return () => false;
    case 'haproxy-down':
    case 'keepalived-down':
      return (k) => members[k]?.host.name === failure.host;
    case 'node-down':
      return (k) => members[k]?.host.name === failure.host || inc.remote[k] === true;
    case 'apiserver-down':
      return (k) => inc.remote[k] === true;
  }
}

/**
 * The election of a failure world, reusing start-up where it provably holds: when no master's standing changes, no
 * cut separates a master from anyone, and every router whose standing changed still hears a master it accepts, the
 * election's first round from the start-up masters changes nothing, so its result is start-up's masters with the new
 * standings.
 */
function electIncremental(model: HaModel, members: Member[], w: World, inc: Incremental, failure: Failure): Election {
  const touched = touchedBy(members, inc, failure);
  const standing = routerStates(model, members, w, { base: inc.base, touched });
  const { none } = inc;
  const masterNames = new Set(none.masters.map((c) => c.m.host.name));
  const cutsMaster = w.cut !== undefined && w.cut.some((h) => masterNames.has(h));
  const touchedIdx = members.flatMap((_, k) => (touched(k) ? [k] : []));
  const masterTouched = touchedIdx.some((k) => none.masters.some((c) => c.m === members[k]));
  if (!none.settled || none.flapping || cutsMaster || masterTouched) return elect(model, members, w, none, standing);
  for (const k of touchedIdx) {
    const b = standing.asBackup[k];
    const a = standing.asMaster[k];
    if (!b || !a || !b.running || b.fault || !a.running || a.fault) continue; // not a contender: stays backup
    const accepts = none.masters.some((mm) => receives(mm.m, b.m) && (mm.prio >= b.prio || nopreemptEffective(b.m.inst)));
    if (!accepts) return elect(model, members, w, none, standing);
  }
  const isMaster = new Set(none.masters.map((c) => c.m));
  const states = members.map((m, k) => (isMaster.has(m) ? standing.asMaster[k] : standing.asBackup[k])).filter((x): x is InstanceState => x !== undefined);
  return { states, masters: none.masters, holders: none.holders, settled: true };
}

/**
 * Whether HAProxy on `host` binds the endpoint VIP (or another VIP of the same instance, on any port) without
 * net.ipv4.ip_nonlocal_bind=1 and without `transparent` on the bind: HAProxy then cannot bind it on a host that
 * does not hold it ("cannot bind socket", EADDRNOTAVAIL) and does not start at all, whatever its other binds.
 */
function bindsVipWithoutNonlocal(model: HaModel, host: ModelHost): boolean {
  if (!host.haproxy || sysctlOn(host, 'net.ipv4.ip_nonlocal_bind')) return false;
  return host.haproxy.frontends.some((fe) => fe.binds.some((b) => !b.transparent && nonLocalVip(model, host, b.address)));
}

function nonLocalVip(model: HaModel, host: ModelHost, address: string): boolean {
  if (address === host.address) return false;
  if (address === model.endpoint.address) return true;
  return vipMembers(model).some((m) => m.inst.vips.some((v) => v.address === address));
}

/**
 * Several routers starting in state MASTER with the same base priority: each becomes master at once
 * (vrrp_scheduler.c vrrp_init_state), then the one that hears an equal-priority advert from a higher address yields
 * (vrrp.c vrrp_state_master_rx); which one sent first depends on start-up order, so kubeha names the steady-state
 * holder from the address rule only and says that the first minutes may differ.
 */
function startupTie(members: Member[]): string {
  const masters = members.filter((m) => m.inst.state === 'MASTER');
  if (masters.length < 2) return '';
  const prios = new Set(masters.map((m) => m.inst.priority));
  if (prios.size !== 1) return '';
  return `${masters.map((m) => m.host.name).join(', ')} all start in state MASTER with priority ${[...prios][0]}: which one holds the VIP right after start-up depends on the order they start in (kubeha cannot know it); the holder shown is the one the equal-priority rule (higher address) settles on once they hear each other`;
}

function withBootFailures(w: World, bootFailed: Set<string>): World {
  for (const h of bootFailed) w.haproxyDown.add(h);
  return w;
}

/** With many routers: start-up's election (to list only the routers that changed) and the partitions left out. */
interface Compact {
  none: Election;
  total: number;
  listed: number;
  /** Partitions were limited to those with a holder (false: start-up never settled, every pair is listed). */
  pruned: boolean;
}

function scenario(ctx: SimulationContext, failure: Failure, none: Election | undefined, inc: Incremental | undefined, compact: Compact | undefined): Scenario {
  const { model, mode } = ctx;
  const w = withBootFailures(worldFor(failure), ctx.bootFailed);
  const text = formatFailure(failure);
  const ep = `${model.endpoint.address}:${model.endpoint.port}`;
  if (mode.kind === 'external') return externalScenario(model, failure);
  if (mode.kind === 'unknown')
    return { failure: text, vipHolders: [], apiReachable: false, note: `the endpoint ${ep} is neither a keepalived VIP, a host of the mirror, nor an external LB` };

  let holders: string[];
  let election: Election | undefined;
  const notes: string[] = [];
  if (mode.kind === 'vip') {
    election =
      failure.kind === 'none' ? (none ?? elect(model, mode.members, w)) : inc ? electIncremental(model, mode.members, w, inc, failure) : elect(model, mode.members, w, none);
    holders = election.holders;
    notes.push(vrrpNote(election, none, failure, compact));
    if (failure.kind === 'none') notes.push(startupTie(mode.members));
    if (failure.kind === 'none' && compact)
      notes.push(
        `${mode.members.length} routers share the VIP: ${
          compact.pruned
            ? `the scenarios list the partitions between a VIP holder and each peer (${compact.listed} cuts of ${compact.total} router pairs; a cut between two routers that both hear the holder moves nothing)`
            : `start-up never settles, so every partition of peers is listed (${compact.listed} cuts of ${compact.total} router pairs)`
        }, and each VRRP note names only the routers whose standing differs from start-up`,
      );
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
  const race = election?.race;
  if (race)
    notes.push(
      `a race decides the holder: ${race.join(' and ')} have the same priority and advert interval, so whichever's master-down timer fires first takes the VIP and the others accept it (same priority); the higher address wins only if two become master at once`,
    );
  // A race: clients need whichever wins to work.
  const paths = (flapping ?? race ?? holders).map((name) => pathThrough(ctx, hostByName(model, name), w));
  const apiReachable = holders.length > 0 && paths.every((p) => p.ok);
  if (holders.length === 0) notes.push(`nobody holds ${model.endpoint.address}`);
  for (const p of paths) notes.push(p.why);
  if (holders.length > 1) notes.push(`split brain: ${holders.join(' and ')} both hold ${model.endpoint.address}; ARP flips between them and connections reset`);

  let predictedOutageMs: number | undefined;
  if (apiReachable) {
    predictedOutageMs = failure.kind === 'none' ? 0 : Math.round(outageMs(ctx, w, none, election, holders));
    notes.push(`predicted outage: ${predictedOutageMs} ms`);
  } else notes.push('predicted outage: until repaired');
  const s: Scenario = { failure: text, vipHolders: holders, ...(race ? { vipHolderCandidates: race } : {}), apiReachable, note: notes.filter(Boolean).join('; ') };
  if (predictedOutageMs !== undefined) s.predictedOutageMs = predictedOutageMs;
  return s;
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

/** Same standing: liveness, FAULT, priority and every tracker's verdict. */
function sameStanding(a: InstanceState, b: InstanceState | undefined): boolean {
  if (a === b) return true;
  if (!b || a.running !== b.running || a.fault !== b.fault || a.prio !== b.prio || a.trackers.length !== b.trackers.length) return false;
  return a.trackers.every((t, i) => t.passing === b.trackers[i]?.passing);
}

function vrrpNote(e: Election, none: Election | undefined, failure: Failure, compact?: Compact): string {
  let shown = e.states;
  let rest = '';
  if (compact && failure.kind !== 'none') {
    const involved = new Set([...e.holders, ...compact.none.holders]);
    const before = new Map(compact.none.states.map((s) => [s.m, s]));
    shown = e.states.filter((s) => involved.has(s.m.host.name) || !sameStanding(s, before.get(s.m)));
    if (shown.length < e.states.length) rest = `${shown.length > 0 ? ', ' : ''}${e.states.length - shown.length} other routers as after start-up`;
  }
  const states = shown.map(describeState).join(', ') + rest;
  const before = none?.holders.join('+') ?? '';
  const after = e.holders.join('+') || 'nobody';
  if (failure.kind === 'none') {
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

function externalScenario(model: HaModel, failure: Failure): Scenario {
  const lb = model.externalLb;
  const w = worldFor(failure);
  const text = formatFailure(failure);
  const name = `external:${lb?.address ?? model.endpoint.address}`;
  if (!lb) return { failure: text, vipHolders: [name], apiReachable: false, note: 'no external LB in the model' };
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
  return { failure: text, vipHolders: [name], apiReachable: ok, note: notes.join('; ') };
}
