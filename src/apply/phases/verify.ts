import { createHash } from 'node:crypto';
import { isChange } from '../types.js';
import type { PhaseDefinition } from './phase.js';

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/**
 * Read-only, always: every unit active, every file (but managed blocks) as rendered. On a host with nothing to change
 * the observation already showed that, and is the answer.
 */
export const verifyPhase: PhaseDefinition = {
  name: 'verify',
  plan: ({ want, earlier }) => [
    {
      id: 'verify',
      phase: 'verify',
      kind: 'verify',
      units: [...want.services],
      files: want.files.filter((f) => !f.managedBlock).map((f) => ({ path: f.path, sha256: sha256(f.content) })),
      title: `check ${want.services.length ? want.services.join(', ') + ' active and ' : ''}${want.files.length} file(s) in place`,
      reason: 'always',
      ...(earlier.some(isChange) ? {} : { observed: true }),
    },
  ],
};
