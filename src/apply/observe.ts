import type { RenderedHost } from '../render/types.js';
import { PENDING_DIR, TEMP_PREFIX } from '../remote/files.js';
import { apt, dnf, REMOTE_BUNDLE_DIR } from '../remote/packages.js';
import type { RemoteHost } from '../remote/ssh.js';
import { shellQuote as q } from '../remote/ssh.js';
import { parseServiceStates, serviceStateCommand } from '../remote/services.js';
import { KUBEADM_APISERVER_MANIFEST, KUBEADM_KUBELET_CONF } from '../render/kubeadm.js';
import { fileDirs } from './plan.js';
import type { ObservedHost } from './types.js';

/**
 * Observes a host in ONE round trip (a read-only shell script with marked sections), so that `plan` on many hosts
 * costs one command each. Also proves root access (sudo -n) before anything is changed.
 */

export function observeScript(want: RenderedHost): string {
  const pkgs = want.packages;
  const lines = [
    'echo "@@ID $(id -u)"',
    // The host's clock in ms (preflight: clock skew against the certificates' margin, src/apply/clock.ts).
    'echo "@@CLOCK $(date +%s%3N)"',
    'pm=; command -v apt-get >/dev/null 2>&1 && pm=apt; [ -z "$pm" ] && command -v dnf >/dev/null 2>&1 && pm=dnf',
    'echo "@@PM $pm"',
    `echo "@@OS $(. /etc/os-release 2>/dev/null; echo "$PRETTY_NAME")"`,
  ];
  if (pkgs.length > 0) {
    lines.push(
      `inst=$(if [ "$pm" = apt ]; then ${apt.queryCommand(pkgs)}; elif [ "$pm" = dnf ]; then ${dnf.queryCommand(pkgs)}; fi)`,
      'echo "@@PKG"',
      `printf '%s\\n' "$inst"`,
      'echo "@@CAND"',
      // Sources are asked about missing packages only: one `apt-cache policy` costs ~0.15 s of a lab host's CPU, and
      // asking about every package made the observation of 8 lab hosts take ~3.5 s. One awk finds the installed ones
      // (an awk per package cost ~10 ms each).
      `have=" $(printf '%s\\n' "$inst" | awk -F '\\t' '$3 == "installed" { printf "%s ", $1 }')"`,
      `installed() { case "$have" in *" $1 "*) return 0 ;; esac; return 1; }`,
      ...pkgs.map((p) => `installed ${q(p)} || { if [ "$pm" = apt ]; then ${apt.candidateCommand([p])}; elif [ "$pm" = dnf ]; then ${dnf.candidateCommand([p])}; fi; }`),
    );
  }
  for (const f of want.files) {
    lines.push(`if [ -e ${q(f.path)} ]; then echo "@@FILE $(stat -c '%a %U' ${q(f.path)}) ${f.path}"; base64 -w0 ${q(f.path)}; echo; else echo "@@ABSENT ${f.path}"; fi`);
  }
  if (want.services.length > 0) lines.push('echo "@@SVC"', serviceStateCommand(want.services));
  if (want.kubeadm) {
    const socket = want.kubeadm.criSocket.replace(/^unix:\/\//, '');
    lines.push(
      'echo "@@KUBEADM"',
      // kubeadm's own markers: init and join --control-plane write the apiserver's manifest, then the kubelet's kubeconfig.
      `printf 'version %s\\n' "$(kubeadm version -o short 2>/dev/null)"`,
      `printf 'kubelet %s\\n' "$(command -v kubelet >/dev/null 2>&1 && echo yes)"`,
      `printf 'runtime %s\\n' "$([ -S ${q(socket)} ] && echo yes)"`,
      `printf 'manifests %s\\n' "$([ -f ${q(KUBEADM_APISERVER_MANIFEST)} ] && echo yes)"`,
      `printf 'kubeletConf %s\\n' "$([ -f ${q(KUBEADM_KUBELET_CONF)} ] && echo yes)"`,
    );
  }
  lines.push('echo "@@PENDING"', `ls -1 ${PENDING_DIR} 2>/dev/null || true`);
  lines.push('echo "@@TMP"', ...fileDirs(want).map((d) => `ls -1d ${q(d)}/${TEMP_PREFIX}* 2>/dev/null || true`));
  lines.push('echo "@@BUNDLE"', `cat ${REMOTE_BUNDLE_DIR}/.kubeha-bundle-id 2>/dev/null || true`, 'echo "@@END"');
  return lines.join('\n');
}

/** `sent`/`received`: this machine's clock around the command (epoch ms), to bound the host's clock offset. */
export function parseObservation(host: string, out: string, sent?: { sentMs: number; receivedMs: number }): ObservedHost {
  const seen: ObservedHost = { host, packageManager: '', os: '', installed: {}, installable: {}, files: {}, services: {}, pending: [], tempFiles: [] };
  let clockMs: number | undefined;
  let section = '';
  let fileHead: { path: string; mode: number; owner: string } | undefined;
  const pkgLines: string[] = [];
  const svcLines: string[] = [];
  for (const line of out.split('\n')) {
    if (fileHead) {
      seen.files[fileHead.path] = { content: Buffer.from(line.trim(), 'base64').toString('utf8'), mode: fileHead.mode, owner: fileHead.owner };
      fileHead = undefined;
      continue;
    }
    const m = /^@@(\w+)(?: (.*))?$/.exec(line);
    if (m) {
      const [, tag, rest = ''] = m;
      if (tag === 'PM') seen.packageManager = rest.trim();
      else if (tag === 'OS') seen.os = rest.trim();
      else if (tag === 'CLOCK') {
        const ms = Number(rest.trim());
        if (Number.isFinite(ms) && ms > 0) clockMs = ms;
      }
      else if (tag === 'FILE') {
        const [mode = '644', owner = 'root', ...path] = rest.split(' ');
        fileHead = { path: path.join(' '), mode: parseInt(mode, 8), owner };
      } else if (tag === 'ABSENT') seen.files[rest] = null;
      else section = tag ?? '';
      continue;
    }
    if (!line.trim()) continue;
    if (section === 'PKG') pkgLines.push(line);
    else if (section === 'CAND') {
      const [name, yes] = line.split('\t');
      if (name) seen.installable[name] = yes === 'yes';
    } else if (section === 'SVC') svcLines.push(line);
    else if (section === 'PENDING') seen.pending.push(line.trim());
    else if (section === 'TMP') seen.tempFiles.push(line.trim());
    else if (section === 'BUNDLE') seen.bundleId = line.trim();
    else if (section === 'KUBEADM') {
      const [key = '', value = ''] = line.trim().split(/\s+/, 2);
      const k = (seen.kubeadm ??= { kubelet: false, runtime: false, manifests: false, kubeletConf: false });
      if (key === 'version') {
        if (value) k.version = value;
      } else if (key === 'kubelet' || key === 'runtime' || key === 'manifests' || key === 'kubeletConf') k[key] = value === 'yes';
    }
  }
  seen.installed = apt.parseQuery(pkgLines.join('\n'));
  if (clockMs !== undefined && sent) seen.clock = { remoteMs: clockMs, ...sent };
  for (const s of parseServiceStates(svcLines.join('\n'))) seen.services[s.unit] = { active: s.active, enabled: s.enabled, startedAt: s.startedAt };
  return seen;
}

export async function observeHost(host: RemoteHost, want: RenderedHost): Promise<ObservedHost> {
  const sentMs = Date.now();
  const out = await host.run(observeScript(want), { label: 'observe (dpkg-query, stat, systemctl is-active …)', timeoutMs: 60_000 });
  return parseObservation(host.name, out, { sentMs, receivedMs: Date.now() });
}
