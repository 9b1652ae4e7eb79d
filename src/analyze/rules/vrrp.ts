/** VRRP rules: priorities, weights, peers, timers, addresses. */
import type { HaModel } from '../../model/types.js';
import { trackersOf, type Member } from '../../model/queries.js';
import { advertisedVips, authKey, clampPriority, effectiveAdvertS, nopreemptEffective, primaryIp, trackerEffect, whyNotPeers } from '../vrrp.js';
import { allInstances, pairs, rule, vrrpMembers } from './util.js';

/** Adverts this frequent (a master-down interval of ~0.35 s or less) need realtime scheduling on a busy host. */
const FAST_ADVERT_S = 0.1;

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
    const rivals = members.filter((b) => b.host !== a.host && a.inst.priority >= b.inst.priority && !nopreemptEffective(b.inst) && whyNotPeers(a, b) === undefined);
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
    run(model, report) {
      const masters = vrrpMembers(model).filter((m) => m.inst.state === 'MASTER');
      if (masters.length > 1) for (const m of masters) report(`${m.host.name} starts as MASTER like ${masters.filter((x) => x !== m).map((x) => x.host.name).join(', ')}`, { host: m.host, at: m.inst.at }, 'use state BACKUP on every peer');
    },
  }),
  rule({
    id: 'vrrp-nopreempt-needs-backup',
    run(model, report) {
      for (const { host, inst } of allInstances(model))
        if (inst.nopreempt && (inst.state === 'MASTER' || inst.priority === 255))
          report(`nopreempt on ${host.name}/${inst.name} is ignored (state ${inst.state}, priority ${inst.priority})`, { host, at: inst.at }, 'set state BACKUP');
    },
  }),
  rule({
    id: 'vrrp-nopreempt-weight',
    run(model, report) {
      const members = vrrpMembers(model);
      for (const a of members) {
        if (!trackersOf(model, a).some((t) => t.cls.kind !== 'disabled' && t.weight !== 0)) continue;
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
    run(model, report) {
      for (const [a, b] of pairs(vrrpMembers(model)))
        if (a.inst.virtualRouterId !== b.inst.virtualRouterId)
          report(`${a.host.name} uses virtual_router_id ${a.inst.virtualRouterId}, ${b.host.name} ${b.inst.virtualRouterId}: both become MASTER`, { host: a.host, at: a.inst.at });
    },
  }),
  rule({
    id: 'vrrp-version-mismatch',
    run(model, report) {
      for (const [a, b] of pairs(vrrpMembers(model)))
        if (a.inst.virtualRouterId === b.inst.virtualRouterId && a.inst.version !== b.inst.version)
          report(`${a.host.name} speaks VRRPv${a.inst.version}, ${b.host.name} VRRPv${b.inst.version}: both become MASTER`, { host: a.host, at: a.inst.at });
    },
  }),
  rule({
    id: 'vrrp-auth-mismatch',
    run(model, report) {
      for (const [a, b] of pairs(vrrpMembers(model)))
        if (a.inst.virtualRouterId === b.inst.virtualRouterId && a.inst.version === b.inst.version && authKey(a.inst) !== authKey(b.inst))
          report(`authentication differs between ${a.host.name} and ${b.host.name}: they do not hear each other and both become MASTER`, { host: a.host, at: a.inst.at });
    },
  }),
  rule({
    id: 'vrrp-vip-list-mismatch',
    run(model, report) {
      for (const [a, b] of pairs(vrrpMembers(model))) {
        if (a.inst.virtualRouterId !== b.inst.virtualRouterId || a.inst.version !== b.inst.version || authKey(a.inst) !== authKey(b.inst)) continue;
        const va = advertisedVips(a.inst);
        const vb = advertisedVips(b.inst);
        if (va.join(',') !== vb.join(','))
          report(`${a.host.name}/${a.inst.name} advertises ${va.join(', ') || 'no address'}, ${b.host.name}/${b.inst.name} ${vb.join(', ') || 'no address'}: each drops the other's adverts and both become MASTER`, { host: a.host, at: a.inst.at }, 'write the same virtual_ipaddress list on every LB of the instance (per-host addresses go in virtual_ipaddress_excluded)');
      }
    },
  }),
  rule({
    id: 'vrrp-auth-pass-truncated',
    run(model, report) {
      for (const { host, inst } of allInstances(model))
        if (inst.auth && inst.auth.type === 'PASS' && inst.auth.pass.length > 8)
          report(`auth_pass on ${host.name}/${inst.name} has ${inst.auth.pass.length} characters; keepalived uses only the first 8`, { host, at: inst.at });
    },
  }),
  rule({
    id: 'vrrp-unicast-peer-missing',
    run(model, report) {
      for (const [a, b] of pairs(vrrpMembers(model))) {
        if (a.inst.virtualRouterId !== b.inst.virtualRouterId || a.inst.version !== b.inst.version || authKey(a.inst) !== authKey(b.inst)) continue;
        if (advertisedVips(a.inst).join(',') !== advertisedVips(b.inst).join(',')) continue; // vrrp-vip-list-mismatch
        const why = whyNotPeers(a, b);
        if (why) report(`${why}: they do not hear each other and both become MASTER`, { host: a.host, at: a.inst.at }, `list ${primaryIp(b)} in ${a.host.name}'s unicast_peer and ${primaryIp(a)} in ${b.host.name}'s`);
      }
    },
  }),
  rule({
    id: 'vrrp-default-vrid',
    run(model, report) {
      for (const { host, inst } of allInstances(model))
        if (inst.virtualRouterId === 51 || inst.virtualRouterId === 60)
          report(`${host.name}/${inst.name} uses virtual_router_id ${inst.virtualRouterId}, a tutorial default`, { host, at: inst.at }, 'choose an id unique on the segment');
    },
  }),
  rule({
    id: 'vrrp-v2-subsecond-advert',
    run(model, report) {
      for (const { host, inst } of allInstances(model))
        if (inst.version === 2 && inst.advertIntS !== effectiveAdvertS(inst))
          report(`advert_int ${inst.advertIntS} on ${host.name}/${inst.name} is VRRPv2: keepalived uses ${effectiveAdvertS(inst)}s`, { host, at: inst.at }, 'set version 3');
    },
  }),
  rule({
    id: 'vrrp-track-interface-unknown',
    run(model, report) {
      for (const { host, inst } of allInstances(model))
        for (const ref of inst.trackInterfaces) {
          if (ref.name === inst.interface) continue;
          const w = ref.weight ?? 0;
          const effect = w === 0 ? 'the instance goes to FAULT' : `its priority is ${Math.abs(w)} ${ref.weightReverse ? 'higher' : 'lower'} than with it up`;
          report(`track_interface ${ref.name} on ${host.name}/${inst.name}: kubeha does not see the host's interfaces and assumes ${ref.name} exists and is up; while it is down or absent (keepalived treats a missing interface as down) ${effect}`, { host, at: ref.at ?? inst.at });
        }
    },
  }),
  rule({
    id: 'vrrp-advert-int-mismatch',
    run(model, report) {
      for (const [a, b] of pairs(vrrpMembers(model)))
        if (effectiveAdvertS(a.inst) !== effectiveAdvertS(b.inst))
          report(`advert_int ${a.inst.advertIntS} on ${a.host.name} vs ${b.inst.advertIntS} on ${b.host.name}`, { host: a.host, at: a.inst.at });
    },
  }),
  rule({
    id: 'vrrp-fast-advert-not-realtime',
    run(model, report) {
      for (const { host, inst } of allInstances(model))
        if (effectiveAdvertS(inst) <= FAST_ADVERT_S && host.keepalived?.vrrpRtPriority === undefined)
          report(`advert_int ${inst.advertIntS} on ${host.name}/${inst.name} without vrrp_rt_priority: a busy host can send adverts late enough for its peer to take the VIP`, { host, at: inst.at }, 'add vrrp_rt_priority 50 to global_defs');
    },
  }),
  rule({
    id: 'vrrp-vip-prefix',
    run(model, report) {
      for (const { host, inst } of allInstances(model))
        for (const v of inst.vips)
          if (v.prefix !== undefined && v.prefix !== 32 && !v.address.includes(':'))
            report(`VIP ${v.address}/${v.prefix} on ${host.name}: use /32`, { host, at: v.at ?? inst.at }, `write ${v.address}/32`);
    },
  }),
  rule({
    id: 'vrrp-strict-drops-vip',
    run(model, report) {
      for (const m of vrrpMembers(model))
        if (m.ka.vrrpStrict && m.inst.priority !== 255)
          report(`vrrp_strict on ${m.host.name}: packets to ${model.endpoint.address} are dropped (no_accept)`, { host: m.host, at: m.ka.at ?? m.inst.at }, 'remove vrrp_strict');
    },
  }),
  rule({
    id: 'vrrp-owner-priority',
    run(model, report) {
      for (const m of vrrpMembers(model))
        if (m.inst.priority === 255 && (m.inst.trackScripts.length > 0 || m.inst.trackProcesses.length > 0))
          report(`${m.host.name}/${m.inst.name} has priority 255: its track weights never apply`, { host: m.host, at: m.inst.at });
    },
  }),
  rule({
    id: 'vrrp-endpoint-not-vip',
    run(model, report) {
      const all = allInstances(model);
      if (all.length === 0 || model.externalLb) return;
      if (!all.some((m) => m.inst.vips.some((v) => v.address === model.endpoint.address)))
        report(`no vrrp_instance carries the endpoint address ${model.endpoint.address}`, { host: all[0]?.host, at: all[0]?.inst.at });
    },
  }),
];
