import type { Step } from '../types.js';
import type { PhaseDefinition } from './phase.js';
import { isStagedUnit, pendingAfter, unitPlan } from './units.js';

/**
 * daemon-reload and sysctl first, then each unit: enabled, started, and reloaded or restarted when the files before
 * changed (or an interrupted run left the marker), restarted when its package was just installed. The control-plane
 * units are left to their own phases (./units.ts).
 */
export const servicesPhase: PhaseDefinition = {
  name: 'services',
  plan(ctx) {
    const { want, seen } = ctx;
    const steps: Step[] = [];
    const pending = pendingAfter(ctx);
    if (pending.has('daemon-reload')) {
      steps.push({ id: 'services:daemon-reload', phase: 'services', kind: 'daemon-reload', clears: ['daemon-reload'], title: 'systemctl daemon-reload', reason: seen.pending.includes('daemon-reload') ? 'unit files changed by an interrupted run' : 'unit drop-ins changed' });
    }
    if (pending.has('sysctl')) {
      const files = want.files.filter((f) => f.appliesSysctl).map((f) => f.path);
      steps.push({ id: 'services:sysctl', phase: 'services', kind: 'sysctl', files, clears: ['sysctl'], title: `sysctl -p ${files.join(' ')}`, reason: seen.pending.includes('sysctl') ? 'sysctl file changed by an interrupted run' : 'sysctl file changed' });
    }
    for (const unit of want.services.filter((u) => !isStagedUnit(u))) {
      const p = unitPlan('services', unit, ctx, { restartWhenInstalled: true });
      if (p.enable) steps.push(p.enable);
      if (p.action) steps.push(p.action);
    }
    return steps;
  },
};
