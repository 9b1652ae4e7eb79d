/** Tracking rules: what the vrrp_scripts really test, who runs them, how fast they notice. */
import type { HaModel, KeepalivedConfig, ModelHost, VrrpScript } from '../../model/types.js';
import { trackersOf } from '../../model/queries.js';
import { classifyScript, commandPath, scriptText, scriptUser } from '../../model/tracker-class.js';
import { nopreemptEffective, whyNotPeers } from '../vrrp.js';
import { KA_MAN, allInstances, rule, vrrpMembers } from './util.js';

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
    severity: 'error',
    title: 'A check that tests the VIP only on its holder makes a preempting router flap',
    explain: `Scripts like kubeadm's old check_apiserver.sh run part of the test only while the host holds the VIP (\`if ip addr | grep -q VIP; then curl https://VIP:8443/; fi\`). When that part fails (HAProxy dead) the router's priority drops and the VIP moves away; as a backup the part is skipped, the check passes again after \`rise\`, and a router with a higher base priority preempts the VIP back to the host whose HAProxy is dead. The VIP flaps between the two and each return costs interval × fall of failed connections.
Source: keepalived vrrp.c vrrp_state_backup (a backup with a higher priority does not accept a lower advert: it takes over); vrrp_track.c (script results change the priority in every state); kubeadm docs/ha-considerations.md (check_apiserver.sh).
Fix: test the local HAProxy unconditionally (\`curl -sfk https://localhost:8443/healthz\` or pidof haproxy), or stop the preemption (equal priorities, or nopreempt with state BACKUP on every router).`,
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
    severity: 'warning',
    title: 'A vrrp_script that no track_script names has no effect',
    explain: `keepalived runs a vrrp_script only for the instances (or sync groups) that list it in track_script; defined but not tracked, its result changes nothing, and the VIP never follows HAProxy.
Source: ${KA_MAN} "vrrp_script" and "track_script"; keepalived vrrp_track.c (priorities are updated only for tracking instances).
Fix: add the script to the instance's track_script block.`,
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
    severity: 'error',
    title: 'track_script names a vrrp_script that does not exist',
    explain: `keepalived ignores a track_script entry without a matching vrrp_script ("track script X not found, ignoring..."), so the instance tracks nothing.
Source: keepalived vrrp_track.c alloc_track_script.
Fix: define the vrrp_script, or fix the name.`,
    run(model, report) {
      for (const { host, ka, inst } of allInstances(model))
        for (const r of inst.trackScripts) if (!ka.scripts[r.name]) report(`${host.name}/${inst.name} tracks ${r.name}, which is not defined`, { host, at: r.at ?? inst.at });
    },
  }),
  rule({
    id: 'track-none',
    severity: 'error',
    title: 'The VIP instance tracks nothing: a dead HAProxy keeps the VIP',
    explain: `Without a tracker the instance's priority never changes: when HAProxy dies on the master the VIP stays there and every client connection fails until someone stops keepalived.
Source: ${KA_MAN} "track_script" / "track_process".
Fix: track HAProxy (vrrp_script "pidof haproxy" or track_process haproxy) with a negative weight larger than the priority gap, or weight 0.`,
    run(model, report) {
      for (const m of vrrpMembers(model)) {
        const ts = trackersOf(model, m).filter((t) => t.cls.kind !== 'disabled' && t.cls.kind !== 'always-passes' && t.cls.kind !== 'static');
        if (ts.length === 0 && m.host.haproxy) report(`${m.host.name}/${m.inst.name} tracks nothing that fails with HAProxy`, { host: m.host, at: m.inst.at });
      }
    },
  }),
  rule({
    id: 'track-not-haproxy',
    severity: 'warning',
    title: 'The tracker does not test HAProxy',
    explain: `What a check script really tests decides which failures move the VIP. A script that checks the local apiserver (curl https://localhost:6443 on a master) or something unrelated never fails when HAProxy dies, so the VIP stays on a host whose HAProxy is gone.
Source: kubeha's classification of the script (kubeha explain track-not-haproxy); kubeadm's HA guide (check_apiserver.sh must go through the HAProxy port).
Fix: test HAProxy itself: a TCP connect or GET /healthz through the local HAProxy frontend port, or pidof haproxy.`,
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
    severity: 'info',
    title: 'kubeha cannot tell what a check script tests',
    explain: `kubeha reads the script's command (and body, when the mirror has it) to decide which failures make it fail. An unrecognised script is assumed to test that HAProxy runs; the simulation may be wrong.
Source: kubeha src/model/tracker-class.ts.
Fix: put the script file in the mirror, or use a recognisable check (pidof haproxy, curl -sf https://127.0.0.1:PORT/healthz, nc -z 127.0.0.1 PORT).`,
    run(model, report) {
      eachScript(model, (host, ka, s) => {
        if (classifyScript(model, host, ka, s).kind === 'unknown') report(`${s.name} on ${host.name} (\`${s.script}\`) is not recognised; assumed to test HAProxy`, { host, at: s.at });
      });
    },
  }),
  rule({
    id: 'track-killall-nonroot',
    severity: 'error',
    title: '`killall -0` run as a non-root script user always fails',
    explain: `killall -0 haproxy signals HAProxy's processes; a user other than root (or haproxy) gets EPERM and killall exits 1, so the script always fails. With enable_script_security and no script_user, keepalived runs scripts as keepalived_script.
Source: kill(2) (EPERM), psmisc killall(1) exit status; ${KA_MAN} "script_user", "enable_script_security".
Fix: use pidof haproxy or pgrep -x haproxy (no signal), or a TCP check of the HAProxy port.`,
    run(model, report) {
      eachScript(model, (host, ka, s) => {
        const user = scriptUser(host, ka, s);
        const text = scriptText(host, s.script).text;
        if (/\b(killall|kill)\s+-0\b/.test(text) && user !== 'root' && user !== 'haproxy')
          report(`${s.name} on ${host.name} runs \`killall -0\` as ${user}: it always fails`, { host, at: s.at }, 'use `pidof haproxy`');
      });
    },
  }),
  rule({
    id: 'track-killall-missing',
    severity: 'warning',
    title: 'killall without psmisc installed',
    explain: `killall comes from the psmisc package, absent from minimal images: the script then fails with 127 everywhere, which with equal weights on all peers changes nothing, and with weight 0 puts every instance in FAULT.
Source: psmisc package; ${KA_MAN} "vrrp_script".
Fix: install psmisc, or use pidof (procps/sysvinit-utils).`,
    run(model, report) {
      eachScript(model, (host, _ka, s) => {
        if (!/\bkillall\b/.test(scriptText(host, s.script).text)) return;
        const hasBinDir = Object.keys(host.files).some((p) => /^\/(usr\/)?s?bin\//.test(p));
        const hasKillall = ['/usr/bin/killall', '/bin/killall'].some((p) => host.files[p] !== undefined);
        if (hasBinDir && !hasKillall) report(`${s.name} on ${host.name} uses killall, which is not installed`, { host, at: s.at }, 'install psmisc or use pidof');
      });
    },
  }),
  rule({
    id: 'track-script-missing',
    severity: 'error',
    title: 'The check script file is not on the host',
    explain: `keepalived disables a track script whose file does not exist or is not executable ("Disabling track script X since not found/accessible"): it has no effect at all.
Source: keepalived vrrp.c check_track_script_secure.
Fix: install the script at the path the config names, executable, owned by root.`,
    run(model, report) {
      eachScript(model, (host, _ka, s) => {
        const t = scriptText(host, s.script);
        if (t.missing) report(`${t.file ?? commandPath(s.script)} (script ${s.name}) is not on ${host.name}: keepalived disables it`, { host, at: s.at });
      });
    },
  }),
  rule({
    id: 'keepalived-script-security-off',
    severity: 'warning',
    title: 'Scripts run as root without enable_script_security',
    explain: `Without enable_script_security keepalived runs scripts as root (when the keepalived_script user does not exist) and logs "SECURITY VIOLATION - scripts are being executed but script_security not enabled"; a script writable by a non-root user becomes a root shell.
Source: keepalived vrrp.c (SECURITY VIOLATION), core/notify.c get_default_script_user; ${KA_MAN} "enable_script_security".
Fix: enable_script_security plus script_user set explicitly (and scripts owned by root, not group/world writable).`,
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
    severity: 'warning',
    title: 'enable_script_security without script_user: scripts run as keepalived_script',
    explain: `With enable_script_security keepalived refuses to fall back to root: scripts run as keepalived_script, which must exist ("Unable to set default user keepalived_script for script" otherwise, and the scripts do not run). As that user, killall -0 cannot signal HAProxy.
Source: keepalived core/notify.c get_default_script_user; ${KA_MAN} "enable_script_security".
Fix: set script_user explicitly (and create the user), and use checks that work as that user.`,
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
    severity: 'info',
    title: 'enable_script_security with scripts run as root: any non-root-writable path disables them',
    explain: `With enable_script_security and a script run as root, keepalived refuses ("Disabling track script X due to insecure") a script if any component of its path is writable by a non-root user. Checks that worked in testing vanish after a chmod or a deploy tool that writes as another user.
Source: keepalived vrrp.c check_track_script_secure / core/notify.c check_script_secure; ${KA_MAN} "enable_script_security".
Fix: keep scripts in root-owned 0755 directories, mode 0755/0700, or run them as an unprivileged script_user.`,
    run(model, report) {
      eachScript(model, (host, ka, s) => {
        if (ka.enableScriptSecurity && scriptUser(host, ka, s) === 'root' && commandPath(s.script).startsWith('/') && !/^\/(usr\/)?s?bin\//.test(commandPath(s.script)))
          report(`${s.name} on ${host.name} runs ${commandPath(s.script)} as root under enable_script_security: it must not be writable by non-root users`, { host, at: s.at });
      });
    },
  }),
  rule({
    id: 'track-slow-detection',
    severity: 'warning',
    title: 'The check script notices a failure slowly (interval × fall > 10 s)',
    explain: `A vrrp_script must fail \`fall\` times in a row, \`interval\` seconds apart, before the priority changes: interval × fall is added to every HAProxy-down outage (seed 002: 3 s × 10 = 30 s).
Source: ${KA_MAN} "vrrp_script" (interval, fall, rise).
Fix: interval 1–2, fall 2–3 (and a timeout below the interval).`,
    run(model, report) {
      eachScript(model, (host, _ka, s) => {
        const ms = s.intervalS * 1000 * Math.max(1, s.fall);
        if (ms > 10_000) report(`${s.name} on ${host.name} takes ${ms / 1000}s (interval ${s.intervalS} × fall ${s.fall}) to notice a failure`, { host, at: s.at }, 'interval 2, fall 2');
      });
    },
  }),
  rule({
    id: 'track-curl-root-path',
    severity: 'error',
    title: 'The check fetches / with --fail: the apiserver answers 403, so it always fails',
    explain: `An anonymous GET / to kube-apiserver returns 403 (only /healthz, /livez, /readyz, /version are public via system:public-info-viewer); with curl --fail (or wget) that is a failure every time. Without --fail curl succeeds on any HTTP answer, which only proves TLS is accepted.
Source: Kubernetes RBAC default ClusterRole system:public-info-viewer; curl(1) --fail.
Fix: check https://127.0.0.1:PORT/healthz (or /readyz) with -k --fail.`,
    run(model, report) {
      eachScript(model, (host, ka, s) => {
        const c = classifyScript(model, host, ka, s);
        if ((c.kind === 'haproxy-url' || c.kind === 'apiserver-local') && c.failOnHttpError && c.path !== undefined && !/^\/(healthz|livez|readyz|version)\b/.test(c.path))
          report(`${s.name} on ${host.name} fetches ${c.path} with --fail: 403 for anonymous clients`, { host, at: s.at }, 'fetch /healthz');
      });
    },
  }),
];
