import { bundleSubset, type BundlePackage } from '../bundle-index.js';
import { compareDebVersions, parseDebVersion } from '../deb-version.js';
import type { PackageUpgrade, Step } from '../types.js';
import { failStep, type PhaseDefinition } from './phase.js';

/**
 * Installs the missing packages: from the host's own sources, or from the offline bundle (copied first). kubeha's own
 * packages (`kubeha-*`: the Kubernetes binaries it builds) also follow the bundle's version: a newer one is an upgrade
 * (its units then restart in their phase, one master at a time), an older one is refused (kubeha never downgrades).
 * Other packages are the distribution's: an installed one is left as it is.
 */

/** kubeha's own packages, whose version apply keeps at the bundle's (src/lab/k8s-debs.ts makes them). */
export const isKubehaPackage = (name: string): boolean => name.startsWith('kubeha-');

export type VersionVerdict = { kind: 'same' } | { kind: 'upgrade'; upgrade: PackageUpgrade } | { kind: 'downgrade' | 'invalid'; message: string };

/** What the bundle's version of an installed package means (pure): the same, an upgrade, or a refusal. */
export function versionVerdict(name: string, installed: string, offered: string): VersionVerdict {
  const a = parseDebVersion(installed);
  const b = parseDebVersion(offered);
  if ('error' in a) return { kind: 'invalid', message: `${name}: the installed version is not a Debian version: ${a.error}` };
  if ('error' in b) return { kind: 'invalid', message: `${name}: the bundle's version is not a Debian version: ${b.error}` };
  const c = compareDebVersions(a, b);
  if (c === 0) return { kind: 'same' };
  if (c < 0) return { kind: 'upgrade', upgrade: { name, from: installed, to: offered } };
  return { kind: 'downgrade', message: `${name} ${installed} is installed and the bundle holds the older ${offered}: kubeha never downgrades` };
}

/** The bundle's version of each package (the highest, when a bundle holds several; an unreadable one is kept only alone). */
function bundleVersions(index: readonly BundlePackage[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of index) {
    const have = out.get(p.name);
    if (have === undefined) {
      out.set(p.name, p.version);
      continue;
    }
    const a = parseDebVersion(p.version);
    const b = parseDebVersion(have);
    if (!('error' in a) && ('error' in b || compareDebVersions(a, b) > 0)) out.set(p.name, p.version);
  }
  return out;
}

const arrow = (u: PackageUpgrade): string => `${u.name} ${u.from} → ${u.to}`;

export const packagesPhase: PhaseDefinition = {
  name: 'packages',
  plan({ want, seen, options }) {
    const missing = want.packages.filter((p) => seen.installed[p] === undefined);
    const bundle = options.bundle;
    // Upgrades need the bundle's index (its versions); without a bundle, kubeha does not manage versions.
    const upgrades: PackageUpgrade[] = [];
    if (bundle?.index) {
      const offered = bundleVersions(bundle.index);
      const refusals: string[] = [];
      for (const name of want.packages.filter(isKubehaPackage)) {
        const installed = seen.installed[name];
        const version = offered.get(name);
        if (installed === undefined || version === undefined) continue;
        const v = versionVerdict(name, installed, version);
        if (v.kind === 'upgrade') upgrades.push(v.upgrade);
        else if (v.kind !== 'same') refusals.push(v.message);
      }
      if (refusals.length > 0) {
        return [failStep('package-version', refusals.join('; '), 'make the bundle from binaries at the installed version or newer (`kubeha bundle`); to go back on purpose, remove the package on the host first (apt-get purge), then apply')];
      }
    }
    if (missing.length === 0 && upgrades.length === 0) return [];
    const fromHost = missing.filter((p) => seen.installable[p]);
    const needBundle = missing.filter((p) => !seen.installable[p]);
    if (!bundle) {
      if (needBundle.length > 0) {
        return [failStep('package-source', `package(s) ${needBundle.join(', ')} are not installed and the host's package sources cannot provide them`, 'pass --bundle DIR with an offline bundle made by `kubeha bundle`')];
      }
      return [{ id: 'packages:install', phase: 'packages', kind: 'install', packages: fromHost, source: 'host', title: `install ${fromHost.join(' ')}`, reason: `not installed: ${fromHost.join(', ')}` }];
    }
    const absent = missing.filter((p) => !bundle.packages.includes(p));
    if (absent.length > 0) return [failStep('bundle', `package(s) ${absent.join(', ')} missing from the offline bundle`, 'rebuild it with `kubeha bundle` for this spec')];
    const steps: Step[] = [];
    // The host's share of the bundle: the closure of every package it wants (not only the missing ones), so that its
    // id stays the same from run to run.
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
    if (missing.length > 0) {
      steps.push({ id: 'packages:install', phase: 'packages', kind: 'install', packages: missing, source: 'bundle', title: `install ${missing.join(' ')} (bundle)`, reason: `not installed: ${missing.join(', ')}` });
    }
    if (upgrades.length > 0) {
      steps.push({
        id: 'packages:upgrade',
        phase: 'packages',
        kind: 'install',
        packages: upgrades.map((u) => u.name),
        source: 'bundle',
        upgrades,
        title: `upgrade ${upgrades.map(arrow).join(', ')} (bundle)`,
        reason: 'the bundle holds a newer version; the running units restart in their phase, one master at a time',
      });
    }
    return steps;
  },
};
