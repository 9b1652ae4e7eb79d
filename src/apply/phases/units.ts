import { CONTROL_PLANE_UNITS } from '../../pki/paths.js';
import { CONTROL_PLANE_PACKAGES } from '../../render/control-plane-packages.js';
import type { PackageUpgrade, Phase, Step } from '../types.js';
import type { PhaseContext } from './phase.js';

/**
 * The control-plane units and the phase that starts each (pure). The generic `services` phase leaves them alone:
 * they start in an order across hosts (etcd members together, then the apiservers, then controller-manager and
 * scheduler), and their restarts roll one master at a time.
 */
export const STAGED_UNITS: Readonly<Record<string, Phase>> = {
  [CONTROL_PLANE_UNITS.etcd]: 'etcd',
  [CONTROL_PLANE_UNITS.apiserver]: 'apiserver',
  [CONTROL_PLANE_UNITS.controllerManager]: 'controllers',
  [CONTROL_PLANE_UNITS.scheduler]: 'controllers',
};

export const isStagedUnit = (unit: string): boolean => STAGED_UNITS[unit] !== undefined;

/** The package that carries each control-plane unit's binary: its upgrade restarts the unit. */
export const PACKAGE_OF_UNIT: Readonly<Record<string, string>> = Object.fromEntries(
  (Object.keys(CONTROL_PLANE_UNITS) as (keyof typeof CONTROL_PLANE_UNITS)[]).map((c) => [CONTROL_PLANE_UNITS[c], CONTROL_PLANE_PACKAGES[c]]),
);

/** Markers the earlier phases (and an interrupted run) left: `<unit>.reload|restart`, `daemon-reload`, `sysctl`. */
export function pendingAfter({ seen, earlier }: Pick<PhaseContext, 'seen' | 'earlier'>): Set<string> {
  const pending = new Set(seen.pending);
  for (const s of earlier) if (s.kind === 'write-file') s.pending.forEach((p) => pending.add(p));
  return pending;
}

/** What one unit needs: its enable step, and start / reload / restart (or nothing). */
export interface UnitPlan {
  enable?: Step;
  action?: Extract<Step, { kind: 'service' }>;
}

/**
 * enable when disabled; start when stopped; reload or restart when its files changed (or an interrupted run left the
 * marker). `restartWhenInstalled`: a package installed in this run may have started the unit with its default config,
 * so even a running unit is restarted (Debian's haproxy, keepalived). `noBlock`: starts are queued (see the step).
 * `startStopped`: see below.
 */
export function unitPlan(
  phase: Phase,
  unit: string,
  ctx: Pick<PhaseContext, 'seen' | 'earlier'>,
  opts: { restartWhenInstalled: boolean; noBlock?: boolean; startStopped?: boolean; upgradedPackage?: string },
): UnitPlan {
  const { seen, earlier } = ctx;
  const pending = pendingAfter(ctx);
  // An upgrade installs nothing new: it restarts only the units of the upgraded package (`upgradedPackage`).
  const installedNow = opts.restartWhenInstalled && earlier.some((s) => s.kind === 'install' && !s.upgrades);
  const upgrade = opts.upgradedPackage === undefined ? undefined : upgradeOf(earlier, opts.upgradedPackage);
  const state = seen.services[unit];
  const markers = [`${unit}.reload`, `${unit}.restart`].filter((m) => pending.has(m));
  const needsRestart = markers.some((m) => m.endsWith('.restart'));
  const interrupted = markers.some((m) => seen.pending.includes(m));
  const out: UnitPlan = {};
  if (!state || state.enabled !== 'enabled') {
    out.enable = { id: `${phase}:${unit}:enable`, phase, kind: 'service', unit, action: 'enable', clears: [], title: `enable ${unit}`, reason: `is ${state?.enabled ?? 'not installed'}` };
  }
  const active = state?.active === 'active' || state?.active === 'reloading';
  const step = (action: 'start' | 'reload' | 'restart', reason: string): Extract<Step, { kind: 'service' }> => ({
    id: `${phase}:${unit}:${action}`,
    phase,
    kind: 'service',
    unit,
    action,
    clears: markers,
    title: `${action} ${unit}`,
    reason,
    ...(action === 'start' && opts.noBlock ? { noBlock: true } : {}),
  });
  if (!active || installedNow) {
    // `startStopped`: a stopped unit is started, never "restarted", even when its files changed (a restart takes a
    // rolling turn, and the members of a new etcd cluster must start together).
    const action = installedNow || (markers.length > 0 && !opts.startStopped) ? 'restart' : 'start';
    out.action = step(action, installedNow ? 'its package was just installed' : `is ${state?.active ?? 'not installed'}`);
  } else if (upgrade) {
    out.action = step('restart', `its package was upgraded (${upgrade.name} ${upgrade.from} → ${upgrade.to})${markers.length > 0 ? ' and its configuration changed' : ''}`);
  } else if (markers.length > 0) {
    out.action = step(needsRestart ? 'restart' : 'reload', interrupted ? 'its configuration changed in an interrupted run' : 'its configuration changed');
  }
  return out;
}

/** The upgrade of `pkg` an earlier step of this run makes, if any. */
export function upgradeOf(earlier: readonly Step[], pkg: string): PackageUpgrade | undefined {
  for (const s of earlier) if (s.kind === 'install') for (const u of s.upgrades ?? []) if (u.name === pkg) return u;
  return undefined;
}
