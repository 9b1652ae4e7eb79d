import { posix } from 'node:path';
import type { RenderedHost } from '../render/types.js';
import { APPLY_PHASES, PHASE_NAMES, TOGETHER_PHASES } from './phases/index.js';
import type { PlanOptions } from './phases/phase.js';
import type { HostPlan, ObservedHost, Plan, Step } from './types.js';
import { isChange } from './types.js';

/**
 * The planner: PURE. From what kubeha wants on each host (render) and what it saw there (observe) to the steps that
 * converge the host, phase by phase (src/apply/phases/), each with a reason. A host that already matches gets only its
 * verify step, so a second apply changes nothing.
 */

export type { PlanOptions };
export { mergeManagedBlock } from './phases/files.js';
export { sha256 } from './phases/verify.js';

export function planHost(want: RenderedHost, seen: ObservedHost, options: PlanOptions = {}): HostPlan {
  const steps: Step[] = [];
  const cluster = options.cluster ?? [want];
  for (const phase of APPLY_PHASES) steps.push(...phase.plan({ want, seen, options, earlier: steps, cluster }));
  const kept = options.phases ? steps.filter((s) => s.kind === 'fail' || options.phases!.includes(s.phase)) : steps;
  kept.sort((a, b) => PHASE_NAMES.indexOf(a.phase) - PHASE_NAMES.indexOf(b.phase));
  return { host: want.host, address: want.address, packageManager: seen.packageManager, steps: kept, changes: kept.filter(isChange).length };
}

/** Plans every rendered host that was observed (hosts filtered out with --only are simply absent). */
export function planCluster(rendered: RenderedHost[], observed: ReadonlyMap<string, ObservedHost>, options: PlanOptions = {}): Plan {
  const withCluster = { ...options, cluster: options.cluster ?? rendered };
  const hosts = rendered.flatMap((r) => {
    const seen = observed.get(r.host);
    return seen ? [planHost(r, seen, withCluster)] : [];
  });
  return { phases: [...PHASE_NAMES], together: [...TOGETHER_PHASES], hosts, changes: hosts.reduce((n, h) => n + h.changes, 0) };
}

/** Directories whose `.kubeha-tmp-*` leftovers the observer lists. */
export function fileDirs(rendered: RenderedHost): string[] {
  return [...new Set(rendered.files.map((f) => posix.dirname(f.path)))].sort();
}
