import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { RenderedFile, RenderedHost } from '../render/types.js';
import { bundleSubset } from './bundle-index.js';
import { unifiedDiff, diffStat } from './diff.js';
import type { BundleInfo, HostPlan, ObservedHost, Phase, Plan, Step } from './types.js';
import { PHASES, isChange } from './types.js';

/**
 * The planner: PURE. From what kubeha wants on each host (render) and what it saw there (observe) to the steps that
 * converge the host, phase by phase, each with a reason. A host that already matches gets only its verify step,
 * so a second apply changes nothing.
 */

export interface PlanOptions {
  /** The offline bundle given with --bundle. */
  bundle?: BundleInfo;
  /** Only these phases (kubeadm-style `--phase`); preflight checks that fail are always kept. */
  phases?: Phase[];
}

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Replaces (or appends) a managed block in a shared file such as /etc/hosts, keeping everything else. */
export function mergeManagedBlock(current: string | undefined, block: string, markers: { begin: string; end: string }): string {
  const base = current ?? '';
  const lines = base.split('\n');
  const b = lines.findIndex((l) => l.trim() === markers.begin);
  const e = b >= 0 ? lines.findIndex((l, i) => i > b && l.trim() === markers.end) : -1;
  const blockText = block.endsWith('\n') ? block : block + '\n';
  if (b >= 0 && e > b) {
    const before = lines.slice(0, b).join('\n');
    const after = lines.slice(e + 1).join('\n');
    return (before ? before + '\n' : '') + blockText + after.replace(/^\n/, '');
  }
  if (base === '') return blockText;
  return (base.endsWith('\n') ? base : base + '\n') + blockText;
}

/** Files without a validator first (check scripts that keepalived -t needs), then HAProxy, then keepalived. */
function fileOrder(f: RenderedFile): number {
  return f.validate === undefined ? 0 : f.validate === 'haproxy' ? 1 : 2;
}

function modeText(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

export function planHost(want: RenderedHost, seen: ObservedHost, options: PlanOptions = {}): HostPlan {
  const steps: Step[] = [];
  const fail = (id: string, message: string, hint?: string): void => {
    steps.push({ id: `preflight:${id}`, phase: 'preflight', kind: 'fail', title: `check ${id}`, reason: message, message, ...(hint ? { hint } : {}) });
  };

  // preflight
  if (want.packages.length > 0 && seen.packageManager !== 'apt' && seen.packageManager !== 'dnf') {
    fail('package-manager', `no supported package manager on ${seen.os || 'this host'}`, 'kubeha installs with apt (Debian, Ubuntu); dnf (RHEL family) is untested');
  }
  if (seen.tempFiles.length > 0) {
    steps.push({
      id: 'preflight:clean-temp',
      phase: 'preflight',
      kind: 'clean-temp',
      files: [...seen.tempFiles].sort(),
      title: `remove ${seen.tempFiles.length} leftover temporary file(s)`,
      reason: 'an earlier apply was interrupted while writing files',
    });
  }

  // packages
  const missing = want.packages.filter((p) => seen.installed[p] === undefined);
  let installedNow = false;
  if (missing.length > 0) {
    const fromHost = missing.filter((p) => seen.installable[p]);
    const needBundle = missing.filter((p) => !seen.installable[p]);
    const bundle = options.bundle;
    if (bundle) {
      const absent = missing.filter((p) => !bundle.packages.includes(p));
      if (absent.length > 0) {
        fail('bundle', `package(s) ${absent.join(', ')} missing from the offline bundle`, 'rebuild it with `kubeha bundle` for this spec');
      } else {
        // The host's share of the bundle: the closure of every package it wants (not only the missing ones), so
        // that its id stays the same from run to run.
        const subset = bundle.index ? bundleSubset(bundle.index, want.packages) : undefined;
        const target = subset ? { id: subset.id, files: subset.packages.map((p) => p.filename) } : { id: bundle.id };
        if (seen.bundleId !== target.id) {
          const what = subset ? ` (${subset.packages.length} packages, ${(subset.bytes / 1048576).toFixed(1)} MiB)` : '';
          steps.push({
            id: 'packages:upload-bundle',
            phase: 'packages',
            kind: 'upload-bundle',
            bundle: target,
            title: `copy the offline bundle to /opt/kubeha/bundle${what}`,
            reason: seen.bundleId ? 'the host has another copy of the bundle' : 'the host has no copy of the bundle',
          });
        }
        steps.push({ id: 'packages:install', phase: 'packages', kind: 'install', packages: missing, source: 'bundle', title: `install ${missing.join(' ')} (bundle)`, reason: `not installed: ${missing.join(', ')}` });
        installedNow = true;
      }
    } else if (needBundle.length > 0) {
      fail('package-source', `package(s) ${needBundle.join(', ')} are not installed and the host's package sources cannot provide them`, 'pass --bundle DIR with an offline bundle made by `kubeha bundle`');
    } else {
      steps.push({ id: 'packages:install', phase: 'packages', kind: 'install', packages: fromHost, source: 'host', title: `install ${fromHost.join(' ')}`, reason: `not installed: ${fromHost.join(', ')}` });
      installedNow = true;
    }
  }

  // files
  const pendingAfter = new Set(seen.pending);
  for (const f of [...want.files].sort((a, b) => fileOrder(a) - fileOrder(b) || (a.path < b.path ? -1 : 1))) {
    const current = seen.files[f.path] ?? undefined;
    const content = f.managedBlock ? mergeManagedBlock(current?.content, f.content, f.managedBlock) : f.content;
    const owner = f.owner ?? 'root';
    const contentChanged = current === undefined || current.content !== content;
    const attrsChanged = current !== undefined && (current.mode !== f.mode || current.owner !== owner);
    if (!contentChanged && !attrsChanged) continue;
    const pending: string[] = [];
    if (contentChanged) {
      if (f.reloads) pending.push(`${f.reloads.unit}.${f.reloads.action}`);
      if (f.daemonReload) pending.push('daemon-reload');
      if (f.appliesSysctl) pending.push('sysctl');
    }
    pending.forEach((p) => pendingAfter.add(p));
    const secret = f.secret === true;
    const diff = !contentChanged ? '' : secret ? `--- a${f.path}\n+++ b${f.path}\n@@ secret content changed (${current === undefined ? 'new file' : 'masked'}) @@\n` : unifiedDiff(f.path, current?.content, content);
    const change = current === undefined ? 'create' : contentChanged ? 'update' : 'mode';
    const stat = diffStat(diff);
    const why =
      change === 'create'
        ? 'absent on the host'
        : change === 'mode'
          ? `mode/owner ${modeText(current!.mode)} ${current!.owner} → ${modeText(f.mode)} ${owner}`
          : secret
            ? 'content differs (secret, not shown)'
            : `content differs (+${stat.added} -${stat.removed} lines)`;
    steps.push({
      id: `files:${f.path}`,
      phase: 'files',
      kind: 'write-file',
      path: f.path,
      content,
      mode: f.mode,
      owner,
      ...(f.validate ? { validate: f.validate } : {}),
      change,
      diff,
      secret,
      pending,
      title: `${change === 'create' ? 'create' : 'update'} ${f.path}${f.validate ? ` (validated by ${f.validate})` : ''}`,
      reason: why,
    });
  }

  // services: daemon-reload and sysctl first, then each unit
  if (pendingAfter.has('daemon-reload')) {
    steps.push({ id: 'services:daemon-reload', phase: 'services', kind: 'daemon-reload', clears: ['daemon-reload'], title: 'systemctl daemon-reload', reason: seen.pending.includes('daemon-reload') ? 'unit files changed by an interrupted run' : 'unit drop-ins changed' });
  }
  if (pendingAfter.has('sysctl')) {
    const files = want.files.filter((f) => f.appliesSysctl).map((f) => f.path);
    steps.push({ id: 'services:sysctl', phase: 'services', kind: 'sysctl', files, clears: ['sysctl'], title: `sysctl -p ${files.join(' ')}`, reason: seen.pending.includes('sysctl') ? 'sysctl file changed by an interrupted run' : 'sysctl file changed' });
  }
  for (const unit of want.services) {
    const state = seen.services[unit];
    const markers = [`${unit}.reload`, `${unit}.restart`].filter((m) => pendingAfter.has(m));
    const needsRestart = markers.some((m) => m.endsWith('.restart'));
    const interrupted = markers.some((m) => seen.pending.includes(m));
    if (!state || state.enabled !== 'enabled') {
      steps.push({ id: `services:${unit}:enable`, phase: 'services', kind: 'service', unit, action: 'enable', clears: [], title: `enable ${unit}`, reason: `is ${state?.enabled ?? 'not installed'}` });
    }
    const active = state?.active === 'active' || state?.active === 'reloading';
    if (!active || installedNow) {
      // A package that was just installed may have started the unit with its default config: restart, not start.
      const action = installedNow || markers.length > 0 ? 'restart' : 'start';
      steps.push(serviceStep(unit, action, markers, installedNow ? 'its package was just installed' : `is ${state?.active ?? 'not installed'}`));
    } else if (markers.length > 0) {
      const action = needsRestart ? 'restart' : 'reload';
      steps.push(serviceStep(unit, action, markers, interrupted ? 'its configuration changed in an interrupted run' : 'its configuration changed'));
    }
  }

  // verify: read-only
  steps.push({
    id: 'verify',
    phase: 'verify',
    kind: 'verify',
    units: [...want.services],
    files: want.files.filter((f) => !f.managedBlock).map((f) => ({ path: f.path, sha256: sha256(f.content) })),
    title: `check ${want.services.length ? want.services.join(', ') + ' active and ' : ''}${want.files.length} file(s) in place`,
    reason: 'always',
  });

  const kept = options.phases ? steps.filter((s) => s.kind === 'fail' || options.phases!.includes(s.phase)) : steps;
  kept.sort((a, b) => PHASES.indexOf(a.phase) - PHASES.indexOf(b.phase));
  return { host: want.host, address: want.address, packageManager: seen.packageManager, steps: kept, changes: kept.filter(isChange).length };
}

/** Plans every rendered host that was observed (hosts filtered out with --only are simply absent). */
export function planCluster(rendered: RenderedHost[], observed: ReadonlyMap<string, ObservedHost>, options: PlanOptions = {}): Plan {
  const hosts = rendered.flatMap((r) => {
    const seen = observed.get(r.host);
    return seen ? [planHost(r, seen, options)] : [];
  });
  return { hosts, changes: hosts.reduce((n, h) => n + h.changes, 0) };
}

/** Directories whose `.kubeha-tmp-*` leftovers the observer lists. */
export function fileDirs(rendered: RenderedHost): string[] {
  return [...new Set(rendered.files.map((f) => posix.dirname(f.path)))].sort();
}

function serviceStep(unit: string, action: 'start' | 'reload' | 'restart', clears: string[], reason: string): Step {
  return { id: `services:${unit}:${action}`, phase: 'services', kind: 'service', unit, action, clears, title: `${action} ${unit}`, reason };
}
