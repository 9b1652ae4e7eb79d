/**
 * VRRP facts as keepalived implements them (verified against acassen/keepalived: vrrp.c
 * vrrp_state_backup / vrrp_state_master_rx / vrrp_complete_instance, vrrp_track.c
 * vrrp_set_effective_priority / process_script_update_priority, vrrp_scheduler.c vrrp_init_state,
 * include/vrrp.h VRRP_TIMER_SKEW / VRRP_MS_DOWN_TIMER, and keepalived.conf(5)).
 * Pure functions over the model; the rules check configs against them and the simulator composes them.
 */
import type { Member, TrackerUse } from '../model/queries.js';
import type { VrrpInstance } from '../model/types.js';

/** keepalived's priority of the address owner: never changed by trackers. */
export const PRIO_OWNER = 255;

/**
 * The advert interval keepalived really uses, in seconds: VRRPv2 carries whole seconds, so keepalived
 * rounds a fractional value to the nearest integer (minimum 1) with "must be an integer. rounding" (vrrp.c).
 */
export function effectiveAdvertS(inst: VrrpInstance): number {
  const adv = inst.advertIntS > 0 ? inst.advertIntS : 1;
  if (inst.version === 2) return Math.max(1, Math.round(adv));
  // VRRPv3 carries centiseconds.
  return Math.max(0.01, Math.round(adv * 100) / 100);
}

/** Skew time (RFC 5798 / vrrp.h): (256 − priority) × advert interval / 256, in ms. */
export function skewMs(priority: number, advertS: number): number {
  return ((256 - priority) * advertS * 1000) / 256;
}

/** Master-down interval: 3 × advert interval + skew, in ms: how long a backup waits after the last accepted advert. */
export function masterDownMs(priority: number, advertS: number): number {
  return 3 * advertS * 1000 + skewMs(priority, advertS);
}

/** keepalived clamps the effective priority to 1..254 unless the base priority is 255 (vrrp_set_effective_priority). */
export function clampPriority(base: number, total: number): number {
  if (base === PRIO_OWNER) return PRIO_OWNER;
  return Math.min(PRIO_OWNER - 1, Math.max(1, total));
}

/**
 * The priority change a tracker contributes in a given state (process_script_update_priority):
 * a positive weight is added while the tracker passes, a negative one while it fails;
 * `reverse` flips the direction (positive weight: −w while passing; negative: +|w| while failing).
 * A weight of 0 contributes nothing here: it puts the instance in FAULT instead (see trackerFaults).
 */
export function trackerDelta(weight: number, reverse: boolean, passing: boolean): number {
  if (weight === 0) return 0;
  if (!reverse) {
    if (passing) return weight > 0 ? weight : 0;
    return weight < 0 ? weight : 0;
  }
  if (passing) return weight > 0 ? -weight : 0;
  return weight < 0 ? -weight : 0;
}

/** Weight 0: a failing tracker (a passing one when `reverse`) puts the instance in FAULT, which releases the VIP. */
export function trackerFaults(weight: number, reverse: boolean, passing: boolean): boolean {
  return weight === 0 && passing === reverse;
}

/**
 * What a track_file holding `value` does to an instance (keepalived track_file.c update_track_file_status,
 * vrrp_track.c initialise_vrrp_file_tracking_priorities): weight 0: a non-zero number (zero with `reverse`) puts
 * it in FAULT; otherwise value × weight (× −1 with `reverse`) is added, FAULT at −254 or below, at most +253.
 */
export function fileTrackerEffect(value: number, weight: number, reverse: boolean): { delta: number; fault: boolean } {
  if (weight === 0) return { delta: 0, fault: (value !== 0) !== reverse };
  const status = value * weight * (reverse ? -1 : 1);
  if (status <= -254) return { delta: 0, fault: true };
  return { delta: Math.min(253, status), fault: false };
}

/** What a tracker does to its instance's priority in a state: the priority change, or FAULT. */
export function trackerEffect(use: TrackerUse, passing: boolean): { delta: number; fault: boolean } {
  if (use.cls.kind === 'disabled') return { delta: 0, fault: false };
  if (use.fileValues) return fileTrackerEffect(passing ? use.fileValues.passing : use.fileValues.failing, use.weight, use.reverse);
  return { delta: trackerDelta(use.weight, use.reverse, passing), fault: trackerFaults(use.weight, use.reverse, passing) };
}

/** `nopreempt` is cleared by keepalived when the initial state is MASTER or the priority is 255 (vrrp.c). */
export function nopreemptEffective(inst: VrrpInstance): boolean {
  return inst.nopreempt && inst.state !== 'MASTER' && inst.priority !== PRIO_OWNER;
}

/** The primary IP a router advertises from (unicast_src_ip or the host's address). */
export function primaryIp(m: Member): string {
  return m.inst.unicastSrcIp ?? m.host.address;
}

/** Compares IPv4/IPv6 addresses numerically (the tie-break when two masters of equal priority meet). */
export function compareIp(a: string, b: string): number {
  const ka = ipKey(a);
  const kb = ipKey(b);
  for (let i = 0; i < Math.max(ka.length, kb.length); i++) {
    const d = (ka[i] ?? 0) - (kb[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.localeCompare(b);
}

function ipKey(ip: string): number[] {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return ip.split('.').map(Number);
  if (ip.includes(':')) {
    const [head = '', tail = ''] = ip.split('::');
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const fill = ip.includes('::') ? Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0') : [];
    return [...h, ...fill, ...t].map((x) => parseInt(x, 16) || 0);
  }
  return [];
}

/** What PASS/AH authentication really compares: keepalived keeps only the first 8 characters. */
export function authKey(inst: VrrpInstance): string {
  // keepalived ignores authentication with VRRPv3 (vrrp.c vrrp_complete_instance); the parser drops it too.
  if (!inst.auth || inst.version === 3) return 'none';
  return `${inst.auth.type}:${inst.auth.pass.slice(0, 8)}`;
}

/** Why two routers' adverts are foreign to each other (id, version, authentication), or undefined. */
function whyIncompatible(a: Member, b: Member): string | undefined {
  if (a.inst.virtualRouterId !== b.inst.virtualRouterId)
    return `virtual_router_id ${a.inst.virtualRouterId} on ${a.host.name} vs ${b.inst.virtualRouterId} on ${b.host.name}`;
  if (a.inst.version !== b.inst.version) return `VRRP version ${a.inst.version} on ${a.host.name} vs ${b.inst.version} on ${b.host.name}`;
  if (authKey(a.inst) !== authKey(b.inst)) return `authentication differs between ${a.host.name} and ${b.host.name}`;
  // keepalived vrrp.c vrrp_check_packet (v2.2.7 line 946): a VRRPv2 advert whose interval differs from ours is dropped
  // ("advertisement interval mismatch"); VRRPv3 backups adopt the master's interval instead.
  if (a.inst.version === 2 && Math.round(a.inst.advertIntS) !== Math.round(b.inst.advertIntS))
    return `VRRPv2 advert_int ${a.inst.advertIntS}s on ${a.host.name} vs ${b.inst.advertIntS}s on ${b.host.name}: keepalived drops adverts with another interval`;
  const va = advertisedVips(a.inst);
  const vb = advertisedVips(b.inst);
  if (va.length !== vb.length || va.some((v, i) => v !== vb[i]))
    return `the virtual_ipaddress lists differ (${va.join(', ') || 'none'} on ${a.host.name}, ${vb.join(', ') || 'none'} on ${b.host.name}): keepalived drops an advert whose addresses are not exactly its own`;
  return undefined;
}

/**
 * The addresses an instance's adverts carry, sorted: its `virtual_ipaddress` entries (not the excluded ones) of the
 * first entry's family (keepalived vrrp_data.c alloc_vrrp_vip ignores an address of another family). A receiver
 * drops an advert whose count or addresses differ from its own list (vrrp.c vrrp_check_packet, "ip address
 * associated with VRID not present in MASTER advert"); skip_check_adv_addr only skips the check for a master already
 * accepted, so it does not help.
 */
export function advertisedVips(inst: VrrpInstance): string[] {
  const own = inst.vips.filter((v) => !v.excluded);
  const v6 = own[0]?.address.includes(':') ?? false;
  return [...new Set(own.filter((v) => v.address.includes(':') === v6).map((v) => v.address.toLowerCase()))].sort();
}

/** Why two routers cannot hear each other (both ways), or undefined when they can (ignoring partitions). */
export function whyNotPeers(a: Member, b: Member): string | undefined {
  const why = whyIncompatible(a, b);
  if (why !== undefined) return why;
  const au = a.inst.unicastPeers.length > 0;
  const bu = b.inst.unicastPeers.length > 0;
  if (au !== bu) return `${au ? a.host.name : b.host.name} uses unicast peers, ${au ? b.host.name : a.host.name} multicast`;
  if (au && bu) {
    if (!listsPeer(a, b)) return `${a.host.name}'s unicast_peer does not list ${b.host.name} (${primaryIp(b)})`;
    if (!listsPeer(b, a)) return `${b.host.name}'s unicast_peer does not list ${a.host.name} (${primaryIp(a)})`;
  }
  return undefined;
}

/**
 * Whether `to` receives the adverts `from` sends (ignoring partitions). Directional in unicast mode: `from` sends
 * only to the addresses of its unicast_peer list, and keepalived accepts a unicast advert from any source unless
 * check_unicast_src is set (vrrp.c vrrp_check_packet), so when only one side lists the other, that side is heard
 * (with check_unicast_src on the receiver, neither is).
 */
export function receives(from: Member, to: Member): boolean {
  if (whyIncompatible(from, to) !== undefined) return false;
  const fu = from.inst.unicastPeers.length > 0;
  const tu = to.inst.unicastPeers.length > 0;
  if (fu !== tu) return false;
  if (!fu) return true;
  const checksSource = to.inst.checkUnicastSrc === true || to.ka.vrrpCheckUnicastSrc === true;
  return listsPeer(from, to) && (!checksSource || listsPeer(to, from));
}

/** Each unicast_peer list as a set, built once: elections ask whether a peer is listed n² times per scenario. */
const peerSets = new WeakMap<readonly string[], ReadonlySet<string>>();

function listsPeer(from: Member, to: Member): boolean {
  const list = from.inst.unicastPeers;
  let set = peerSets.get(list);
  if (!set) peerSets.set(list, (set = new Set(list)));
  return set.has(primaryIp(to)) || set.has(to.host.address);
}

/** A live router's standing in an election. */
export interface Contender {
  m: Member;
  prio: number;
}

/** Highest effective priority wins; equal priorities: the higher primary IP wins (vrrp_state_master_rx). */
export function best(cs: readonly Contender[]): Contender | undefined {
  let top: Contender | undefined;
  for (const c of cs) {
    if (!top || c.prio > top.prio || (c.prio === top.prio && compareIp(primaryIp(c.m), primaryIp(top.m)) > 0)) top = c;
  }
  return top;
}
