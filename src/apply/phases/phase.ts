import type { RenderedHost } from '../../render/types.js';
import type { BundleInfo, ObservedHost, Phase, Step } from '../types.js';

/**
 * A phase of apply, kubeadm-style: a name (`--phase` takes it) and a pure function from what a host should run and
 * what was seen there to the phase's steps. The planner runs the phases of {@link APPLY_PHASES} in order; the plan
 * carries their names, and the engine and the views follow that list: a new phase (etcd, control-plane) is a new
 * module and one entry in the list.
 */
export interface PhaseDefinition {
  name: Phase;
  /**
   * The phase starts on every host together (an engine barrier): a host begins it only when every host with steps in
   * it has finished its earlier phases or stopped. Members of a new etcd cluster start at once; the apiservers start
   * once every member's phase is done.
   */
  together?: boolean;
  plan(context: PhaseContext): Step[];
}

export interface PlanOptions {
  /** The offline bundle given with --bundle. */
  bundle?: BundleInfo;
  /** Only these phases (kubeadm-style `--phase`); preflight checks that fail are always kept. */
  phases?: Phase[];
  /**
   * Every host of the cluster as rendered, also those left out with --only: a phase that must know the other hosts
   * (a restart waits until the other apiservers are ready) finds them here. @default the planned hosts
   */
  cluster?: readonly RenderedHost[];
}

export interface PhaseContext {
  want: RenderedHost;
  seen: ObservedHost;
  options: PlanOptions;
  /** The steps the phases before this one planned (e.g. services restart what packages just installed). */
  earlier: readonly Step[];
  /** Every host of the cluster as rendered (see {@link PlanOptions.cluster}). */
  cluster: readonly RenderedHost[];
}

/** A preflight check that fails: it stops the host before anything changes. */
export function failStep(id: string, message: string, hint?: string): Step {
  return { id: `preflight:${id}`, phase: 'preflight', kind: 'fail', title: `check ${id}`, reason: message, message, ...(hint ? { hint } : {}) };
}
