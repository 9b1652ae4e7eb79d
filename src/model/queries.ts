/**
 * Questions about the HA model that do not depend on any failure: which VRRP instances carry the endpoint, what
 * their trackers test, how clients reach the apiservers, where the apiservers are. The rules and the simulator
 * both ask them.
 */
import { LOOPBACK, backendOf, frontendsOn, isWildcard } from './listeners.js';
import { classifyScript, classifyTrackFile, type TrackerClass } from './tracker-class.js';
import type { Backend, HaModel, KeepalivedConfig, ModelHost, SourceRef, VrrpInstance, VrrpSyncGroup } from './types.js';

/** A VRRP instance together with the host and config it lives in. */
export interface Member {
  host: ModelHost;
  ka: KeepalivedConfig;
  inst: VrrpInstance;
}

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

/**
 * The trackers of each instance, per model: classifying a check script reads its text, and the simulator asks for
 * every instance in every failure scenario (n hosts → n² classifications without this).
 */
const trackerCache = new WeakMap<HaModel, WeakMap<object, readonly TrackerUse[]>>();

/** The trackers that act on an instance, computed once per model and instance (computeTrackers). */
export function trackersOf(model: HaModel, m: Member): readonly TrackerUse[] {
  let perModel = trackerCache.get(model);
  if (!perModel) trackerCache.set(model, (perModel = new WeakMap()));
  const cached = perModel.get(m.inst);
  if (cached) return cached;
  const out = computeTrackers(model, m);
  perModel.set(m.inst, out);
  return out;
}

/** The sync group an instance belongs to, if any. */
export function syncGroupOf(ka: KeepalivedConfig, inst: VrrpInstance): VrrpSyncGroup | undefined {
  return (ka.syncGroups ?? []).find((g) => g.instances.includes(inst.name));
}

/** A weighted tracker of an instance that keepalived drops because the instance is in a sync group. */
export interface DroppedTracker {
  name: string;
  weight: number;
  group: string;
  at?: SourceRef;
}

/**
 * keepalived 2.2.7 vrrp.c vrrp_complete_init (the "ignoring tracked script … with weights due to SYNC group" block):
 * in a sync group without `sync_group_tracking_weight`, an instance's own weighted track_scripts are removed, a
 * track_file with the default weight 1 becomes weight 0 and one with another weight is removed (weighted
 * track_interfaces become weight 0, not modelled). The group's own trackers keep their weights (sync_group_tracking_init).
 */
export function droppedBySyncGroup(m: Member): DroppedTracker[] {
  const g = syncGroupOf(m.ka, m.inst);
  if (!g || g.trackingWeight || m.inst.priority === 255) return [];
  const out: DroppedTracker[] = [];
  for (const ref of m.inst.trackScripts) {
    const s = m.ka.scripts[ref.name];
    const w = ref.weight ?? s?.weight ?? 0;
    if (s && w !== 0) out.push({ name: ref.name, weight: w, group: g.name, ...(ref.at ? { at: ref.at } : {}) });
  }
  for (const ref of m.inst.trackFiles) {
    const tf = m.ka.trackFiles[ref.name];
    const w = ref.weight ?? tf?.weight ?? 1;
    if (tf && w !== 0 && w !== 1) out.push({ name: ref.name, weight: w, group: g.name, ...(ref.at ? { at: ref.at } : {}) });
  }
  return out;
}

/**
 * The trackers that act on an instance (a vrrp_script no track_script names has no effect). An instance in a
 * vrrp_sync_group also follows its group: the group's track_script/track_file act on every member
 * (keepalived.conf(5) vrrp_sync_group), and a sibling that goes to FAULT or BACKUP takes every member with it
 * (vrrp_sync.c vrrp_sync_fault / vrrp_sync_backup), so the siblings' trackers act on it too.
 */
function computeTrackers(model: HaModel, m: Member): TrackerUse[] {
  const g = syncGroupOf(m.ka, m.inst);
  const own = ownTrackers(model, m, g);
  if (!g) return own;
  const seen = new Set(own.map((t) => t.name));
  for (const sib of m.ka.instances) {
    if (sib === m.inst || !g.instances.includes(sib.name)) continue;
    for (const t of ownTrackers(model, { ...m, inst: sib }, g)) {
      if (seen.has(t.name)) continue;
      seen.add(t.name);
      own.push({ ...t, name: `${t.name} (via ${sib.name}, sync group ${g.name})` });
    }
  }
  return own;
}

function ownTrackers(model: HaModel, m: Member, g: VrrpSyncGroup | undefined): TrackerUse[] {
  const out: TrackerUse[] = [];
  const dropWeighted = g !== undefined && !g.trackingWeight && m.inst.priority !== 255;
  const groupScripts = g?.trackScripts ?? [];
  const instScripts = dropWeighted ? m.inst.trackScripts.filter((r) => (r.weight ?? m.ka.scripts[r.name]?.weight ?? 0) === 0) : m.inst.trackScripts;
  for (const ref of [...instScripts, ...groupScripts]) {
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
  for (const ref of [...m.inst.trackFiles, ...(g?.trackFiles ?? [])]) {
    const tf = m.ka.trackFiles[ref.name];
    if (!tf) continue;
    const c = classifyTrackFile(m.host, tf);
    // vrrp_alloc_track_file: the instance's `weight N [reverse]` replaces the block's weight; reverse is kept unless given.
    let weight = ref.weight ?? tf.weight;
    const fromGroup = !m.inst.trackFiles.includes(ref);
    if (dropWeighted && !fromGroup && weight !== 0) {
      if (weight !== 1) continue;
      weight = 0;
    }
    out.push({ name: ref.name, weight, reverse: (ref.weightReverse ?? false) || (tf.weightReverse ?? false), cls: c.cls, detectMs: c.detectMs, fileValues: c.values });
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
    const be = backendOf(host, fe, model.endpoint);
    if (be) out.add(be);
  }
  if (out.size > 0) return [...out];
  const ports = new Set(model.hosts.flatMap((h) => (h.apiserver ? [h.apiserver.port] : [])));
  if (ports.size === 0) ports.add(6443);
  return cfg.backends.filter((b) => b.servers.some((s) => ports.has(s.port)));
}

/** An apiserver as the backends name it. */
export interface ApiserverAddress {
  address: string;
  port: number;
}

/** The apiservers: as written in backend server lines, then hosts that run one and are in no backend (loopback left out). */
export function apiservers(model: HaModel): ApiserverAddress[] {
  const out: ApiserverAddress[] = [];
  const has = (address: string, port: number): boolean => out.some((a) => a.address === address && a.port === port);
  const add = (address: string, port: number): void => {
    if (!has(address, port)) out.push({ address, port });
  };
  for (const h of model.hosts) for (const be of apiBackendsOf(model, h)) for (const s of be.servers) if (!s.disabled) add(s.address, s.port);
  for (const b of model.externalLb?.backends ?? []) add(b.address, b.port);
  for (const h of model.hosts) {
    if (!h.apiserver) continue;
    if (!has(h.address, h.apiserver.port) && !has(h.name, h.apiserver.port)) add(h.address, h.apiserver.port);
  }
  return out.filter((a) => !a.address.startsWith('127.') && a.address !== 'localhost');
}

/** Whether a sysctl is set to something other than 0 on the host. */
export function sysctlOn(host: ModelHost, key: string): boolean {
  const v = host.sysctl[key];
  return v !== undefined && v.trim() !== '0';
}

/** The host whose apiserver listens at address:port (a backend server line), if the model has it. */
export function apiserverHostAt(model: HaModel, address: string, port: number, from?: ModelHost): ModelHost | undefined {
  if (from && LOOPBACK.has(address)) return from.apiserver?.port === port ? from : undefined;
  return model.hosts.find((h) => h.apiserver?.port === port && (h.address === address || h.name === address));
}

/**
 * HAProxy binding the apiserver's own port on the same host: one of them cannot bind. HAProxy starts at
 * boot before kubelet starts the static apiserver pod, so we assume the apiserver is the one that fails.
 */
export function haproxyTakesApiserverPort(host: ModelHost): boolean {
  if (!host.haproxy || !host.apiserver) return false;
  return frontendsOn(host.haproxy, host.apiserver.port).some(({ bind }) => isWildcard(bind.address) || bind.address === host.address);
}

/**
 * Whether `host` sends the endpoint to itself: its /etc/hosts maps the endpoint's domain to loopback or to its own
 * address (kubeha's external-LB workaround for LBs without hairpin, seed 003).
 */
export function resolvesEndpointToSelf(host: ModelHost): boolean {
  const a = host.endpointResolution?.address;
  return a !== undefined && (LOOPBACK.has(a) || a.startsWith('127.') || a === host.address);
}

/**
 * The external LB's backends that may be sent to themselves through an LB without hairpin: every backend host,
 * except those that resolve the endpoint's domain to themselves and run their apiserver on the endpoint port.
 * `local`: hosts that do resolve to themselves, with their apiserver port (a different port: nothing listens).
 */
export function hairpinExposure(model: HaModel): { exposed: ModelHost[]; local: ModelHost[]; backendHosts: ModelHost[] } {
  const lb = model.externalLb;
  if (!lb) return { exposed: [], local: [], backendHosts: [] };
  const backs = new Set(lb.backends.map((b) => b.address));
  const backendHosts = model.hosts.filter((h) => backs.has(h.address));
  const local = backendHosts.filter((h) => resolvesEndpointToSelf(h));
  const exposed = backendHosts.filter((h) => !local.includes(h) || h.apiserver?.port !== model.endpoint.port);
  return { exposed, local, backendHosts };
}
