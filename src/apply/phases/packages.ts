import { bundleSubset } from '../bundle-index.js';
import type { Step } from '../types.js';
import { failStep, type PhaseDefinition } from './phase.js';

/** Installs the missing packages: from the host's own sources, or from the offline bundle (copied first). */
export const packagesPhase: PhaseDefinition = {
  name: 'packages',
  plan({ want, seen, options }) {
    const missing = want.packages.filter((p) => seen.installed[p] === undefined);
    if (missing.length === 0) return [];
    const fromHost = missing.filter((p) => seen.installable[p]);
    const needBundle = missing.filter((p) => !seen.installable[p]);
    const bundle = options.bundle;
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
    steps.push({ id: 'packages:install', phase: 'packages', kind: 'install', packages: missing, source: 'bundle', title: `install ${missing.join(' ')} (bundle)`, reason: `not installed: ${missing.join(', ')}` });
    return steps;
  },
};
