import { apiserverPhase, controllersPhase, etcdPhase } from './control-plane.js';
import { filesPhase } from './files.js';
import { kubeadmPhase } from './kubeadm.js';
import { packagesPhase } from './packages.js';
import type { PhaseDefinition } from './phase.js';
import { preflightPhase } from './preflight.js';
import { servicesPhase } from './services.js';
import { verifyPhase } from './verify.js';

/** The phases of apply, in the order they run on a host. */
export const APPLY_PHASES: readonly PhaseDefinition[] = [preflightPhase, packagesPhase, filesPhase, servicesPhase, kubeadmPhase, etcdPhase, apiserverPhase, controllersPhase, verifyPhase];

/** Their names, for `--phase` and help texts. */
export const PHASE_NAMES: readonly string[] = APPLY_PHASES.map((p) => p.name);

/** The phases that start on every host together (engine barriers). */
export const TOGETHER_PHASES: readonly string[] = APPLY_PHASES.filter((p) => p.together).map((p) => p.name);
