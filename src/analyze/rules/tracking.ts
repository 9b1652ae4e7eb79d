/** Tracking rules: what the vrrp_scripts really test, who runs them, how fast they notice. */
import type { HaModel, KeepalivedConfig, ModelHost, VrrpScript } from '../../model/types.js';
import { droppedBySyncGroup, trackersOf } from '../../model/queries.js';
import { classifyScript, commandPath, pidofAsCommand, scriptText, scriptUser } from '../../model/tracker-class.js';
import { nopreemptEffective, whyNotPeers } from '../vrrp.js';
import { allInstances, rule, vrrpMembers } from './util.js';

function eachScript(model: HaModel, f: (host: ModelHost, ka: KeepalivedConfig, s: VrrpScript) => void): void {
  for (const host of model.hosts) {
    const ka = host.keepalived;
    if (!ka) continue;
    for (const s of Object.values(ka.scripts)) f(host, ka, s);
  }
}

function trackedNames(ka: KeepalivedConfig): Set<string> {
  const names = new Set<string>();
  for (const i of ka.instances) for (const r of i.trackScripts) names.add(r.name);
  for (const g of (ka as KeepalivedConfig & { syncGroups?: { trackScripts: { name: string }[] }[] }).syncGroups ?? []) for (const r of g.trackScripts) names.add(r.name);
  return names;
}

const HAPROXY_KINDS = new Set(['haproxy-process', 'haproxy-port', 'haproxy-url', 'unknown']);

export const trackingRules = [
  rule({
    id: 'track-holder-only-flaps',
    run(model, report) {
      const members = vrrpMembers(model);
      for (const m of members) {
        if (nopreemptEffective(m.inst)) continue;
        const lower = members.filter((b) => b.host !== m.host && b.inst.priority < m.inst.priority && whyNotPeers(m, b) === undefined);
        if (lower.length === 0) continue;
        for (const t of trackersOf(model, m)) {
          if (t.cls.kind === 'disabled' || !t.cls.vipOnly) continue;
          report(
            `${t.name} on ${m.host.name} tests ${t.cls.vipOnly.detail} only while holding the VIP: when it fails the VIP moves to ${lower.map((b) => b.host.name).join('/')}, the check passes again on ${m.host.name} as a backup and priority ${m.inst.priority} preempts it back: the VIP flaps`,
            { host: m.host, at: m.ka.scripts[t.name]?.at ?? m.inst.at },
            'test the local HAProxy unconditionally, or use equal priorities / nopreempt',
          );
        }
      }
    },
  }),
  rule({
    id: 'track-script-unused',
    run(model, report) {
      for (const host of model.hosts) {
        const ka = host.keepalived;
        if (!ka) continue;
        const used = trackedNames(ka);
        for (const s of Object.values(ka.scripts)) if (!used.has(s.name)) report(`vrrp_script ${s.name} on ${host.name} is not tracked by any instance`, { host, at: s.at }, `add \`track_script { ${s.name} }\` to the vrrp_instance`);
      }
    },
  }),
  rule({
    id: 'track-script-undefined',
    run(model, report) {
      for (const { host, ka, inst } of allInstances(model))
        for (const r of inst.trackScripts) if (!ka.scripts[r.name]) report(`${host.name}/${inst.name} tracks ${r.name}, which is not defined`, { host, at: r.at ?? inst.at });
    },
  }),
  rule({
    id: 'track-none',
    run(model, report) {
      for (const m of vrrpMembers(model)) {
        const ts = trackersOf(model, m).filter((t) => t.cls.kind !== 'disabled' && t.cls.kind !== 'always-passes' && t.cls.kind !== 'static');
        if (ts.length === 0 && m.host.haproxy) report(`${m.host.name}/${m.inst.name} tracks nothing that fails with HAProxy`, { host: m.host, at: m.inst.at });
      }
    },
  }),
  rule({
    id: 'vrrp-sync-group-weight-ignored',
    run(model, report) {
      for (const m of allInstances(model))
        for (const d of droppedBySyncGroup(m))
          report(
            `${m.host.name}/${m.inst.name} is in vrrp_sync_group ${d.group}: keepalived ignores its tracker ${d.name} with weight ${d.weight} (no sync_group_tracking_weight)`,
            { host: m.host, at: d.at ?? m.inst.at },
            `add sync_group_tracking_weight to vrrp_sync_group ${d.group}, or use weight 0 (FAULT), or move the tracker to the group's track_script`,
          );
    },
  }),
  rule({
    id: 'track-not-haproxy',
    run(model, report) {
      for (const m of vrrpMembers(model)) {
        if (!m.host.haproxy) continue;
        const ts = trackersOf(model, m).filter((t) => t.cls.kind !== 'disabled');
        if (ts.length === 0) continue;
        if (!ts.some((t) => HAPROXY_KINDS.has(t.cls.kind) || (t.cls.vipOnly !== undefined && HAPROXY_KINDS.has(t.cls.vipOnly.kind))))
          report(`no tracker of ${m.host.name}/${m.inst.name} fails when HAProxy dies: ${ts.map((t) => `${t.name}: ${t.cls.detail}`).join('; ')}`, { host: m.host, at: m.inst.at });
      }
    },
  }),
  rule({
    id: 'track-unknown-script',
    run(model, report) {
      eachScript(model, (host, ka, s) => {
        if (classifyScript(model, host, ka, s).kind === 'unknown') report(`${s.name} on ${host.name} (\`${s.script}\`) is not recognised; assumed to test HAProxy`, { host, at: s.at });
      });
    },
  }),
  rule({
    id: 'track-killall-nonroot',
    run(model, report) {
      eachScript(model, (host, ka, s) => {
        const user = scriptUser(host, ka, s);
        const text = scriptText(host, s.script).text;
        if (/\b(killall|kill)\s+-0\b/.test(text) && user !== 'root' && user !== 'haproxy')
          report(`${s.name} on ${host.name} runs \`killall -0\` as ${user}: it always fails`, { host, at: s.at }, 'use `pgrep -x haproxy`');
      });
    },
  }),
  rule({
    id: 'track-killall-missing',
    run(model, report) {
      eachScript(model, (host, _ka, s) => {
        if (!/\bkillall\b/.test(scriptText(host, s.script).text)) return;
        const hasBinDir = Object.keys(host.files).some((p) => /^\/(usr\/)?s?bin\//.test(p));
        const hasKillall = ['/usr/bin/killall', '/bin/killall'].some((p) => host.files[p] !== undefined);
        if (hasBinDir && !hasKillall) report(`${s.name} on ${host.name} uses killall, which is not installed`, { host, at: s.at }, 'install psmisc or use pgrep -x haproxy');
      });
    },
  }),
  rule({
    id: 'track-pidof-killall5',
    run(model, report) {
      eachScript(model, (host, _ka, s) => {
        if (pidofAsCommand(host, s.script))
          report(`${s.name} on ${host.name} runs \`${s.script}\`: keepalived runs pidof's resolved path, killall5 on this Debian/Ubuntu host, which exits 1: the check always fails`, { host, at: s.at });
      });
    },
  }),
  rule({
    id: 'track-script-missing',
    run(model, report) {
      eachScript(model, (host, _ka, s) => {
        const t = scriptText(host, s.script);
        if (t.missing) report(`${t.file ?? commandPath(s.script)} (script ${s.name}) is not on ${host.name}: keepalived disables it`, { host, at: s.at });
      });
    },
  }),
  rule({
    id: 'keepalived-script-security-off',
    run(model, report) {
      for (const host of model.hosts) {
        const ka = host.keepalived;
        if (!ka || ka.enableScriptSecurity || Object.keys(ka.scripts).length === 0) continue;
        report(`keepalived on ${host.name} runs scripts without enable_script_security`, { host, at: ka.at }, 'add enable_script_security and script_user to global_defs');
      }
    },
  }),
  rule({
    id: 'keepalived-script-security-user',
    run(model, report) {
      for (const host of model.hosts) {
        const ka = host.keepalived;
        if (!ka || !ka.enableScriptSecurity || ka.scriptUser || Object.keys(ka.scripts).length === 0) continue;
        if (Object.values(ka.scripts).every((s) => s.user)) continue;
        report(`keepalived on ${host.name} has enable_script_security but no script_user: scripts run as keepalived_script`, { host, at: ka.at }, 'set script_user');
      }
    },
  }),
  rule({
    id: 'keepalived-script-root-security',
    run(model, report) {
      eachScript(model, (host, ka, s) => {
        if (ka.enableScriptSecurity && scriptUser(host, ka, s) === 'root' && commandPath(s.script).startsWith('/') && !/^\/(usr\/)?s?bin\//.test(commandPath(s.script)))
          report(`${s.name} on ${host.name} runs ${commandPath(s.script)} as root under enable_script_security: it must not be writable by non-root users`, { host, at: s.at });
      });
    },
  }),
  rule({
    id: 'track-slow-detection',
    run(model, report) {
      eachScript(model, (host, _ka, s) => {
        const ms = s.intervalS * 1000 * Math.max(1, s.fall);
        if (ms > 10_000) report(`${s.name} on ${host.name} takes ${ms / 1000}s (interval ${s.intervalS} × fall ${s.fall}) to notice a failure`, { host, at: s.at }, 'interval 2, fall 2');
      });
    },
  }),
  rule({
    id: 'track-curl-root-path',
    run(model, report) {
      eachScript(model, (host, ka, s) => {
        const c = classifyScript(model, host, ka, s);
        if ((c.kind === 'haproxy-url' || c.kind === 'apiserver-local') && c.failOnHttpError && c.path !== undefined && !/^\/(healthz|livez|readyz|version)\b/.test(c.path))
          report(`${s.name} on ${host.name} fetches ${c.path} with --fail: 403 for anonymous clients`, { host, at: s.at }, 'fetch /healthz');
      });
    },
  }),
];
