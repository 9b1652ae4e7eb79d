/** VRRP rules: priorities, weights, peers, timers, addresses. */
import type { HaModel } from '../../model/types.js';
import { trackersOf, type Member } from '../../model/queries.js';
import { authKey, clampPriority, effectiveAdvertS, nopreemptEffective, primaryIp, trackerEffect, whyNotPeers } from '../vrrp.js';
import { KA_MAN, allInstances, pairs, rule, vrrpMembers } from './util.js';

/** Effective priority of `m` when tracker `failing` (by name) fails and every other one passes. */
function prioWith(model: HaModel, m: Member, failing?: string): number {
  let total = m.inst.priority;
  for (const t of trackersOf(model, m)) total += trackerEffect(t, t.name !== failing).delta;
  return clampPriority(m.inst.priority, total);
}

/**
 * Trackers whose failure on `a` does not move the VIP although its peers run (weights too small for the gap):
 * reported against the best peer when no peer with a base priority up to a's (that hears a and can preempt)
 * would end strictly above a's failing priority. With three or more routers one peer that takes over is enough.
 */
function weightTraps(model: HaModel, sign: 1 | -1, report: (a: Member, b: Member, name: string, w: number, pa: number, pb: number) => void): void {
  const members = vrrpMembers(model);
  for (const a of members) {
    // b preempts only with a strictly higher priority, and never with nopreempt.
    const rivals = members.filter((b) => b.host !== a.host && a.inst.priority >= b.inst.priority && whyNotPeers(a, b) === undefined && !nopreemptEffective(b.inst));
    if (rivals.length === 0) continue;
    for (const t of trackersOf(model, a)) {
      if (t.cls.kind === 'disabled' || t.weight === 0 || Math.sign(t.weight) !== sign) continue;
      const pa = prioWith(model, a, t.name);
      const ranked = rivals.map((b) => ({ b, pb: prioWith(model, b) })).sort((x, y) => y.pb - x.pb);
      const top = ranked[0];
      if (top && pa >= top.pb) report(a, top.b, t.name, t.weight, pa, top.pb);
    }
  }
}

export const vrrpRules = [
  rule({
    id: 'vrrp-positive-weight-below-gap',
    severity: 'error',
    title: 'A positive track weight no larger than the priority gap never moves the VIP',
    explain: `A positive weight is added to the priority while the tracked script passes. When the master's check fails it loses only that weight; if the weight is not larger than the gap between the base priorities (the peer's script still passes and adds the same weight), the master keeps the higher priority and keeps the VIP while its HAProxy is dead (seeds 000 and 004: priority 100 vs 90 with weight +2).
Source: keepalived vrrp_track.c process_script_update_priority (positive weight added while passing), vrrp.c vrrp_state_backup (a backup takes over only on a strictly lower advertised priority); ${KA_MAN} "weight".
Fix: use a negative weight larger than the priority gap (e.g. priorities 100/100 or 101/100 and weight -20), or weight 0 so a failing check puts the instance in FAULT.`,
    run(model, report) {
      weightTraps(model, 1, (a, b, name, w, pa, pb) =>
        report(
          `${name} (weight +${w}) failing on ${a.host.name} leaves it at priority ${pa}, not below ${b.host.name}'s ${pb}: the VIP never moves`,
          { host: a.host, at: a.ka.scripts[name]?.at ?? a.inst.at },
          `make the weight negative and larger than the gap (${a.inst.priority - b.inst.priority}), e.g. weight -${Math.max(2, a.inst.priority - b.inst.priority + 10)}`,
        ),
      );
    },
  }),
  rule({
    id: 'vrrp-negative-weight-below-gap',
    severity: 'error',
    title: 'A negative track weight not larger than the priority gap never moves the VIP',
    explain: `A negative weight is added while the script fails. If |weight| is not larger than the gap between the master's and the backup's priorities, the failing master still advertises a priority ≥ the backup's, so the backup does not take over (equal priorities do not preempt).
Source: keepalived vrrp_track.c process_script_update_priority; vrrp.c vrrp_state_backup ("hd->priority >= vrrp->effective_priority" accepts the advert); ${KA_MAN}.
Fix: make |weight| larger than the largest priority gap between peers (e.g. gap 1, weight -20).`,
    run(model, report) {
      weightTraps(model, -1, (a, b, name, w, pa, pb) =>
        report(
          `${name} (weight ${w}) failing on ${a.host.name} leaves it at priority ${pa}, not below ${b.host.name}'s ${pb}: the VIP never moves`,
          { host: a.host, at: a.ka.scripts[name]?.at ?? a.inst.at },
          `use a weight below -${a.inst.priority - b.inst.priority}`,
        ),
      );
    },
  }),
  rule({
    id: 'vrrp-unequal-priority-failback',
    severity: 'info',
    title: 'Unequal base priorities without nopreempt cause a second failover when the old master returns',
    explain: `With different base priorities and preemption on, the higher-priority router takes the VIP back as soon as it returns: every failure costs two failovers (and two resets of every open connection, e.g. watches).
Source: RFC 5798 §6.4.2 (Preempt_Mode); keepalived vrrp.c vrrp_state_backup discards lower-priority adverts when preempting.
Fix: give the peers equal priorities with state BACKUP, or set nopreempt (with state BACKUP) on all of them.`,
    run(model, report) {
      for (const [a, b] of pairs(vrrpMembers(model))) {
        if (a.inst.priority === b.inst.priority || whyNotPeers(a, b) !== undefined) continue;
        const hi = a.inst.priority > b.inst.priority ? a : b;
        if (nopreemptEffective(hi.inst)) continue;
        report(`${hi.host.name} (priority ${hi.inst.priority}) preempts back when it returns: a second failover`, { host: hi.host, at: hi.inst.at }, 'use equal priorities or nopreempt with state BACKUP');
      }
    },
  }),
  rule({
    id: 'vrrp-both-master',
    severity: 'warning',
    title: 'More than one peer starts in state MASTER',
    explain: `\`state\` is only the initial state. Several routers starting as MASTER each take the VIP until they hear each other (then the higher priority, or on a tie the higher IP, wins); if they never hear each other (firewall, wrong peers) both keep it.
Source: keepalived vrrp_scheduler.c vrrp_init_state (state MASTER waits only one advert interval); ${KA_MAN} "state".
Fix: state BACKUP everywhere and let priorities elect the master.`,
    run(model, report) {
      const masters = vrrpMembers(model).filter((m) => m.inst.state === 'MASTER');
      if (masters.length > 1) for (const m of masters) report(`${m.host.name} starts as MASTER like ${masters.filter((x) => x !== m).map((x) => x.host.name).join(', ')}`, { host: m.host, at: m.inst.at }, 'use state BACKUP on every peer');
    },
  }),
  rule({
    id: 'vrrp-nopreempt-needs-backup',
    severity: 'warning',
    title: 'nopreempt with state MASTER (or priority 255) is silently ignored',
    explain: `keepalived clears nopreempt when the initial state is MASTER ("nopreempt will not work with initial state MASTER - clearing") or the priority is 255.
Source: keepalived vrrp.c vrrp_complete_instance; ${KA_MAN} "nopreempt: NOTE: For this to work, the initial state must not be MASTER".
Fix: state BACKUP on every peer when using nopreempt.`,
    run(model, report) {
      for (const { host, inst } of allInstances(model))
        if (inst.nopreempt && (inst.state === 'MASTER' || inst.priority === 255))
          report(`nopreempt on ${host.name}/${inst.name} is ignored (state ${inst.state}, priority ${inst.priority})`, { host, at: inst.at }, 'set state BACKUP');
    },
  }),
  rule({
    id: 'vrrp-nopreempt-weight',
    severity: 'error',
    title: 'A track weight cannot move the VIP when every peer has nopreempt',
    explain: `With nopreempt a backup accepts every advert of a live master, whatever its priority, so a failing check that only lowers the master's priority (a non-zero weight) never moves the VIP: the master keeps it with a dead HAProxy. Only FAULT (weight 0), a stopped keepalived (priority 0) or a dead host hand it over.
Source: keepalived vrrp.c vrrp_state_backup ("vrrp->nopreempt || hd->priority >= vrrp->effective_priority" keeps the backup); ${KA_MAN} "nopreempt".
Fix: use weight 0 on the tracker (a failing check puts the instance in FAULT and releases the VIP), or drop nopreempt and use a negative weight larger than the priority gap.`,
    run(model, report) {
      const members = vrrpMembers(model);
      for (const a of members) {
        const peers = members.filter((b) => b.host !== a.host && whyNotPeers(a, b) === undefined);
        if (peers.length === 0 || !peers.every((b) => nopreemptEffective(b.inst))) continue;
        for (const t of trackersOf(model, a)) {
          if (t.cls.kind === 'disabled' || t.weight === 0) continue;
          report(
            `${t.name} (weight ${t.weight > 0 ? '+' : ''}${t.weight}) on ${a.host.name} only changes its priority, but ${peers.map((b) => b.host.name).join(', ')} ${peers.length > 1 ? 'have' : 'has'} nopreempt: a failing check never moves the VIP from ${a.host.name}`,
            { host: a.host, at: a.ka.scripts[t.name]?.at ?? a.inst.at },
            'weight 0 (FAULT on failure), or no nopreempt with a negative weight larger than the priority gap',
          );
        }
      }
    },
  }),
  rule({
    id: 'vrrp-vrid-mismatch',
    severity: 'error',
    title: 'Peers carrying the same VIP use different virtual_router_id',
    explain: `Routers only process adverts for their own virtual_router_id; peers with different ids never hear each other, so each becomes MASTER and both hold the VIP (split brain).
Source: keepalived vrrp.c vrrp_check_packet / the vrid demultiplexing in vrrp_scheduler.c; RFC 5798 §5.2.3.
Fix: the same virtual_router_id on every peer of one VIP, unique on the segment.`,
    run(model, report) {
      for (const [a, b] of pairs(vrrpMembers(model)))
        if (a.inst.virtualRouterId !== b.inst.virtualRouterId)
          report(`${a.host.name} uses virtual_router_id ${a.inst.virtualRouterId}, ${b.host.name} ${b.inst.virtualRouterId}: both become MASTER`, { host: a.host, at: a.inst.at });
    },
  }),
  rule({
    id: 'vrrp-version-mismatch',
    severity: 'error',
    title: 'Peers use different VRRP versions',
    explain: `A VRRPv2 router discards VRRPv3 adverts and vice versa ("received version N, expecting M"), so the peers both become MASTER.
Source: keepalived vrrp.c vrrp_check_packet; ${KA_MAN} "version" / "vrrp_version".
Fix: the same version on every peer (3 for sub-second advert_int).`,
    run(model, report) {
      for (const [a, b] of pairs(vrrpMembers(model)))
        if (a.inst.virtualRouterId === b.inst.virtualRouterId && a.inst.version !== b.inst.version)
          report(`${a.host.name} speaks VRRPv${a.inst.version}, ${b.host.name} VRRPv${b.inst.version}: both become MASTER`, { host: a.host, at: a.inst.at });
    },
  }),
  rule({
    id: 'vrrp-auth-mismatch',
    severity: 'error',
    title: 'Peers use different authentication',
    explain: `keepalived drops adverts whose auth type differs ("received an invalid passwd", auth type mismatch). Only the first 8 characters of auth_pass count, so passwords that differ after character 8 still match, and ones that differ earlier do not.
Source: keepalived vrrp.c vrrp_check_packet (memcmp of the 8-byte auth_data); ${KA_MAN} "auth_pass ... Only the first eight (8) characters are used".
Fix: the same authentication block everywhere (or none: RFC 3768 removed VRRPv2 authentication).`,
    run(model, report) {
      for (const [a, b] of pairs(vrrpMembers(model)))
        if (a.inst.virtualRouterId === b.inst.virtualRouterId && a.inst.version === b.inst.version && authKey(a.inst) !== authKey(b.inst))
          report(`authentication differs between ${a.host.name} and ${b.host.name}: they do not hear each other and both become MASTER`, { host: a.host, at: a.inst.at });
    },
  }),
  rule({
    id: 'vrrp-auth-pass-truncated',
    severity: 'warning',
    title: 'auth_pass longer than 8 characters is truncated',
    explain: `keepalived uses only the first 8 characters of auth_pass and warns "Truncating auth_pass to 8 characters" (keepalived -t exits non-zero on it). A long random secret gives no more protection than its first 8 characters, sent in clear text.
Source: ${KA_MAN} "auth_pass"; keepalived vrrp_parser.c.
Fix: an auth_pass of at most 8 characters, or drop authentication.`,
    run(model, report) {
      for (const { host, inst } of allInstances(model))
        if (inst.auth && inst.auth.type === 'PASS' && inst.auth.pass.length > 8)
          report(`auth_pass on ${host.name}/${inst.name} has ${inst.auth.pass.length} characters; keepalived uses "${inst.auth.pass.slice(0, 8)}"`, { host, at: inst.at });
    },
  }),
  rule({
    id: 'vrrp-unicast-peer-missing',
    severity: 'error',
    title: 'Unicast peers that do not list each other (or unicast on one side only)',
    explain: `In unicast mode a router sends adverts only to the addresses in unicast_peer and ignores others; if a peer's address is missing (or one side is multicast) they do not hear each other and both become MASTER.
Source: keepalived vrrp.c (unicast source check "not a unicast peer"); ${KA_MAN} "unicast_peer".
Fix: on every LB list every other LB's unicast_src_ip in unicast_peer.`,
    run(model, report) {
      for (const [a, b] of pairs(vrrpMembers(model))) {
        if (a.inst.virtualRouterId !== b.inst.virtualRouterId || a.inst.version !== b.inst.version || authKey(a.inst) !== authKey(b.inst)) continue;
        const why = whyNotPeers(a, b);
        if (why) report(`${why}: they do not hear each other and both become MASTER`, { host: a.host, at: a.inst.at }, `list ${primaryIp(b)} in ${a.host.name}'s unicast_peer and ${primaryIp(a)} in ${b.host.name}'s`);
      }
    },
  }),
  rule({
    id: 'vrrp-default-vrid',
    severity: 'warning',
    title: 'virtual_router_id 51 or 60 (tutorial defaults)',
    explain: `51 is keepalived's sample id and 60 the KubeSphere/KubeKey tutorial's; clusters built from the same tutorial on one L2 segment share it and fight over each other's VIPs (multicast) or log "ip address associated with VRID not present" floods.
Source: keepalived's sample keepalived.conf; RFC 5798 §5.2.3 (VRID identifies the virtual router on the LAN).
Fix: pick an id unique on the segment (e.g. derived from the VIP's last octet).`,
    run(model, report) {
      for (const { host, inst } of allInstances(model))
        if (inst.virtualRouterId === 51 || inst.virtualRouterId === 60)
          report(`${host.name}/${inst.name} uses virtual_router_id ${inst.virtualRouterId}, a tutorial default`, { host, at: inst.at }, 'choose an id unique on the segment');
    },
  }),
  rule({
    id: 'vrrp-v2-subsecond-advert',
    severity: 'warning',
    title: 'VRRPv2 with a fractional advert_int',
    explain: `VRRPv2 carries the advert interval in whole seconds; keepalived rounds a fractional advert_int ("must be an integer. rounding"), so 0.5 becomes 1 and failover is slower than planned.
Source: keepalived vrrp.c vrrp_complete_instance; RFC 3768 §5.3.7.
Fix: version 3 (centisecond intervals), or an integer advert_int.`,
    run(model, report) {
      for (const { host, inst } of allInstances(model))
        if (inst.version === 2 && inst.advertIntS !== effectiveAdvertS(inst))
          report(`advert_int ${inst.advertIntS} on ${host.name}/${inst.name} is VRRPv2: keepalived uses ${effectiveAdvertS(inst)}s`, { host, at: inst.at }, 'set version 3');
    },
  }),
  rule({
    id: 'vrrp-advert-int-mismatch',
    severity: 'warning',
    title: 'Peers use different advert_int',
    explain: `With VRRPv2 keepalived logs "advertisement interval mismatch" and the backups' master-down timers differ from what the master's interval implies; failover times are not what either config says.
Source: keepalived vrrp.c vrrp_check_packet (VRRPv2 adver_int comparison).
Fix: the same advert_int on every peer.`,
    run(model, report) {
      for (const [a, b] of pairs(vrrpMembers(model)))
        if (effectiveAdvertS(a.inst) !== effectiveAdvertS(b.inst))
          report(`advert_int ${a.inst.advertIntS} on ${a.host.name} vs ${b.inst.advertIntS} on ${b.host.name}`, { host: a.host, at: a.inst.at });
    },
  }),
  rule({
    id: 'vrrp-vip-prefix',
    severity: 'warning',
    title: 'VIP configured with a prefix other than /32',
    explain: `keepalived adds the VIP with the prefix as written. A /24 adds a second address in the host's own subnet: it may become the source address of outgoing connections (apiserver → etcd, kubelet), so traffic breaks when the VIP moves, and removing it can flush the subnet route.
Source: ${KA_MAN} "virtual_ipaddress" (default /32); iproute2 address selection.
Fix: write the VIP as /32.`,
    run(model, report) {
      for (const { host, inst } of allInstances(model))
        for (const v of inst.vips)
          if (v.prefix !== undefined && v.prefix !== 32 && !v.address.includes(':'))
            report(`VIP ${v.address}/${v.prefix} on ${host.name}: use /32`, { host, at: v.at ?? inst.at }, `write ${v.address}/32`);
    },
  }),
  rule({
    id: 'vrrp-strict-drops-vip',
    severity: 'error',
    title: 'vrrp_strict makes the VIP unreachable over TCP',
    explain: `vrrp_strict implies no_accept unless the priority is 255: keepalived installs firewall (iptables/nftables) drop rules for packets addressed to the VIP, so TCP to VIP:6443 fails on the master. It also forbids unicast peers and authentication.
Source: ${KA_MAN} "vrrp_strict" ("If accept/no accept is not specified, accept is set if priority is 255 and cleared otherwise") and "priority" (no_accept: "the system will not receive packets addressed to the VIPs").
Fix: remove vrrp_strict (or add \`accept\` with VRRPv3).`,
    run(model, report) {
      for (const m of vrrpMembers(model))
        if (m.ka.vrrpStrict && m.inst.priority !== 255)
          report(`vrrp_strict on ${m.host.name}: packets to ${model.endpoint.address} are dropped (no_accept)`, { host: m.host, at: m.ka.at ?? m.inst.at }, 'remove vrrp_strict');
    },
  }),
  rule({
    id: 'vrrp-owner-priority',
    severity: 'warning',
    title: 'Priority 255 (address owner) ignores every tracker',
    explain: `An instance with priority 255 is the address owner: keepalived never changes its priority, so track_script weights have no effect and it keeps the VIP while HAProxy is dead.
Source: keepalived vrrp_track.c vrrp_set_effective_priority ("Don't change priority if address owner"); ${KA_MAN} "priority".
Fix: priorities 1..254.`,
    run(model, report) {
      for (const m of vrrpMembers(model))
        if (m.inst.priority === 255 && (m.inst.trackScripts.length > 0 || m.inst.trackProcesses.length > 0))
          report(`${m.host.name}/${m.inst.name} has priority 255: its track weights never apply`, { host: m.host, at: m.inst.at });
    },
  }),
  rule({
    id: 'vrrp-endpoint-not-vip',
    severity: 'error',
    title: 'keepalived runs but no instance carries the endpoint address',
    explain: `Clients connect to the endpoint; if no vrrp_instance lists it in virtual_ipaddress, keepalived protects some other address and nobody moves the endpoint on failure.
Source: ${KA_MAN} "virtual_ipaddress".
Fix: put the endpoint address in virtual_ipaddress (or point the endpoint at the VIP).`,
    run(model, report) {
      const all = allInstances(model);
      if (all.length === 0 || model.externalLb) return;
      if (!all.some((m) => m.inst.vips.some((v) => v.address === model.endpoint.address)))
        report(`no vrrp_instance carries the endpoint address ${model.endpoint.address}`, { host: all[0]?.host, at: all[0]?.inst.at });
    },
  }),
];
