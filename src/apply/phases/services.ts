import type { Step } from '../types.js';
import type { PhaseDefinition } from './phase.js';

/**
 * daemon-reload and sysctl first, then each unit: enabled, started, and reloaded or restarted when the files before
 * changed (or an interrupted run left the marker), restarted when its package was just installed.
 */
export const servicesPhase: PhaseDefinition = {
  name: 'services',
  plan({ want, seen, earlier }) {
    const steps: Step[] = [];
    const pendingAfter = new Set(seen.pending);
    for (const s of earlier) if (s.kind === 'write-file') s.pending.forEach((p) => pendingAfter.add(p));
    const installedNow = earlier.some((s) => s.kind === 'install');
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
    return steps;
  },
};

function serviceStep(unit: string, action: 'start' | 'reload' | 'restart', clears: string[], reason: string): Step {
  return { id: `services:${unit}:${action}`, phase: 'services', kind: 'service', unit, action, clears, title: `${action} ${unit}`, reason };
}
