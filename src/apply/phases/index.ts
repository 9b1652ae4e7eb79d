import { filesPhase } from './files.js';
import { packagesPhase } from './packages.js';
import type { PhaseDefinition } from './phase.js';
import { preflightPhase } from './preflight.js';
import { servicesPhase } from './services.js';
import { verifyPhase } from './verify.js';

/** The phases of apply, in the order they run on a host. */
export const APPLY_PHASES: readonly PhaseDefinition[] = [preflightPhase, packagesPhase, filesPhase, servicesPhase, verifyPhase];

/** Their names, for `--phase` and help texts. */
export const PHASE_NAMES: readonly string[] = APPLY_PHASES.map((p) => p.name);
