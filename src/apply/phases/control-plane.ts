import { KUBECONFIG_PATHS } from '../../pki/paths.js';
import type { RenderedHost } from '../../render/types.js';
import type { HealthCheck, Phase, Step } from '../types.js';
import type { PhaseContext, PhaseDefinition } from './phase.js';
import { PACKAGE_OF_UNIT, STAGED_UNITS, unitPlan } from './units.js';

/**
 * The control plane's phases (pure), after `services` (which ran daemon-reload for changed unit files):
 * - `etcd`: every member starts together (a new member waits for its peers), then each waits until
 *   `etcdctl endpoint health --cluster` passes over TLS;
 * - `apiserver`: once every member's etcd phase is done; each waits for its own /readyz;
 * - `controllers`: controller-manager and scheduler once every apiserver's phase is done.
 * A unit that runs and must restart (its files changed, or its package was upgraded) restarts one master at a time (the engine's rolling turn),
 * and only when the others are ready: the etcd cluster healthy, the other apiservers answering /readyz.
 * A host where every unit runs as rendered gets no step: a rerun is a no-op.
 */

const ETCD_TIMEOUT_MS = 180_000;
const APISERVER_TIMEOUT_MS = 240_000;
const CONTROLLERS_TIMEOUT_MS = 180_000;

/** A flag's value in a rendered unit file (`--name=value` or `--name value`), if set. */
export function unitFlag(content: string, name: string): string | undefined {
  const m = new RegExp(`--${name}[= ]([^\\s\\\\]+)`).exec(content);
  return m?.[1];
}

/** The rendered unit file of `unit` on a host (`…/system/<unit>`), if kubeha renders it. */
function unitFile(host: RenderedHost, unit: string): string | undefined {
  return host.files.find((f) => f.path.endsWith(`/${unit}`))?.content;
}

const wildcard = (a: string | undefined): boolean => a === undefined || a === '0.0.0.0' || a === '::' || a === '';
const hostPort = (address: string, port: string): string => (address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);

/** Where an apiserver answers /readyz: its bind address (or, bound to all, its host's address) and secure port. */
export function apiserverReadyz(host: RenderedHost): string {
  const unit = unitFile(host, 'kube-apiserver.service') ?? '';
  const bind = unitFlag(unit, 'bind-address');
  return `https://${hostPort(wildcard(bind) ? host.address : bind!, unitFlag(unit, 'secure-port') ?? '6443')}/readyz`;
}

/** Where controller-manager / scheduler answer /healthz on their host (secure port; 127.0.0.1 when bound to all). */
export function controllerHealthz(host: RenderedHost, unit: string): string {
  const content = unitFile(host, unit) ?? '';
  const bind = unitFlag(content, 'bind-address');
  const port = unitFlag(content, 'secure-port') ?? (unit === 'kube-scheduler.service' ? '10259' : '10257');
  return `https://${hostPort(wildcard(bind) ? '127.0.0.1' : bind!, port)}/healthz`;
}

interface StagedOptions {
  /** Steps after the units are up on this host (e.g. the first apiserver's RBAC bootstrap). */
  then?: (ctx: PhaseContext) => Step[];
  name: Phase;
  /** Queue starts (`--no-block`): the members of a new etcd cluster only finish starting together. */
  noBlock?: boolean;
  /** What must hold before a running unit of this phase restarts (the others ready). */
  before?: (ctx: PhaseContext) => HealthCheck | undefined;
  /** What to wait for after the phase started or restarted its units on the host. */
  after: (ctx: PhaseContext, units: string[]) => HealthCheck;
  timeoutMs: number;
}

function stagedPhase(o: StagedOptions): PhaseDefinition {
  return {
    name: o.name,
    together: true,
    plan(ctx) {
      const units = ctx.want.services.filter((u) => STAGED_UNITS[u] === o.name);
      const enables: Step[] = [];
      const actions: Extract<Step, { kind: 'service' }>[] = [];
      for (const unit of units) {
        // No restart because "a package was installed": kubeha's packages start nothing; a stopped unit starts.
        const pkg = PACKAGE_OF_UNIT[unit];
        const p = unitPlan(o.name, unit, ctx, { restartWhenInstalled: false, startStopped: true, ...(o.noBlock ? { noBlock: true } : {}), ...(pkg ? { upgradedPackage: pkg } : {}) });
        if (p.enable) enables.push(p.enable);
        if (p.action) actions.push(p.action);
      }
      if (actions.length === 0) return enables;
      const steps: Step[] = [...enables];
      const before = actions.some((a) => a.action === 'restart') ? o.before?.(ctx) : undefined;
      const acted = actions.map((a) => a.unit);
      if (before) steps.push(waitStep(o.name, 'before', before, o.timeoutMs, [], 'the others are ready before a restart'));
      steps.push(...actions);
      steps.push(waitStep(o.name, 'after', o.after(ctx, acted), o.timeoutMs, acted, `${acted.join(', ')} ${actions.every((a) => a.action === 'start') ? 'started' : 'restarted'}`));
      steps.push(...(o.then?.(ctx) ?? []));
      return steps;
    },
  };
}

/** A read-only wait step `<phase>:wait-<when>` (e.g. `etcd:wait-after`) until `check` passes. */
export function waitStep(phase: Phase, when: string, check: HealthCheck, timeoutMs: number, units: string[], reason: string): Step {
  const what = check.type === 'etcd' ? `etcd ${check.scope === 'cluster' ? 'cluster' : 'member'} healthy` : `${check.urls.join(' ')} ok`;
  return { id: `${phase}:wait-${when}`, phase, kind: 'wait', check, timeoutMs, units, title: `wait until ${what}`, reason };
}

const otherApiservers = ({ want, cluster }: PhaseContext): RenderedHost[] => cluster.filter((h) => h.host !== want.host && h.services.includes('kube-apiserver.service'));

export const etcdPhase = stagedPhase({
  name: 'etcd',
  noBlock: true,
  before: () => ({ type: 'etcd', scope: 'cluster' }),
  after: () => ({ type: 'etcd', scope: 'cluster' }),
  timeoutMs: ETCD_TIMEOUT_MS,
});

export const apiserverPhase = stagedPhase({
  name: 'apiserver',
  before: (ctx) => {
    const others = otherApiservers(ctx);
    return others.length > 0 ? { type: 'https-ok', urls: others.map(apiserverReadyz) } : undefined;
  },
  after: ({ want }) => ({ type: 'https-ok', urls: [apiserverReadyz(want)] }),
  // On the host that holds the break-glass kubeconfig (the first master), as kubeadm init does; only when its
  // apiserver (re)started, so a rerun plans nothing. Creating a binding that exists is not an error.
  then: ({ want }) =>
    want.files.some((f) => f.path === KUBECONFIG_PATHS.superAdmin)
      ? [
          {
            id: 'apiserver:bootstrap-rbac',
            phase: 'apiserver',
            kind: 'bootstrap-rbac',
            kubeconfig: KUBECONFIG_PATHS.superAdmin,
            apiserver: apiserverReadyz(want).replace(/\/readyz$/, ''),
            title: 'bind group kubeadm:cluster-admins to cluster-admin (as kubeadm init does)',
            reason: 'the admin kubeconfig is in that group',
          },
        ]
      : [],
  timeoutMs: APISERVER_TIMEOUT_MS,
});

export const controllersPhase = stagedPhase({
  name: 'controllers',
  // Leader election hands the work to another master while one restarts: nothing to wait for before.
  after: ({ want }, units) => ({ type: 'https-ok', urls: units.map((u) => controllerHealthz(want, u)) }),
  timeoutMs: CONTROLLERS_TIMEOUT_MS,
});
