import { readBundle } from '../apply/bundle.js';
import type { LocalBundle } from '../apply/bundle.js';
import { PHASE_NAMES } from '../apply/phases/index.js';
import type { Phase } from '../apply/types.js';
import { didYouMean } from '../diag/diagnostic.js';
import { InputError } from '../diag/errors.js';
import { withBinariesLocated } from '../ops/binaries.js';
import { labBundle } from '../ops/lab-bundle.js';
import type { Session } from '../ops/session.js';

/** What `plan` and `apply` share: `--phase`, `--bundle` (the lab's bundle when none is given), exit codes. */

export const EXIT_HELP = `
Exit codes:
  0    plan: planned (with or without changes); apply: every host converged and verified
  1    a step failed on at least one host (the others were converged); plan: a preflight check fails
  2    bad input (spec, arguments, --only names); nothing was changed
  3    a host could not be reached or trusted (unreachable, host key unknown/changed, no sudo) and nothing else failed
  130  interrupted (Ctrl-C): the step under way finished, no new step started`;

export function parsePhases(phase?: string): Phase[] | undefined {
  if (!phase) return undefined;
  const names = phase.split(',').map((s) => s.trim());
  for (const n of names) {
    if (!PHASE_NAMES.includes(n)) {
      const guess = didYouMean(n, PHASE_NAMES);
      throw new InputError([{ code: 'E_PHASE', severity: 'error', message: `unknown phase "${n}"`, hint: guess ? `did you mean "${guess}"? phases: ${PHASE_NAMES.join(', ')}` : `phases: ${PHASE_NAMES.join(', ')}` }]);
    }
  }
  return names;
}

/**
 * The bundle installs come from: --bundle DIR; without it, for a lab's hosts (they have no route out), the lab's
 * bundle, found in the cache or built now. Says so in one line.
 */
export async function bundleFor(session: Session, dir: string | undefined): Promise<LocalBundle | undefined> {
  if (dir) return readBundle(dir);
  if (!session.lab) return undefined;
  const b = await withBinariesLocated(session.specPath, () => labBundle(session.spec, (m) => process.stderr.write(`${m}\n`)));
  process.stderr.write(`lab ${session.lab.plan.lab}: no --bundle given: using the lab's bundle ${b.dir}${b.built ? ' (built now)' : ''}\n`);
  return readBundle(b.dir);
}
