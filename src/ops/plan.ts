import { observeHost } from '../apply/observe.js';
import { mapLimit } from '../apply/map-limit.js';
import { planCluster } from '../apply/plan.js';
import type { BundleInfo, HostPlan, ObservedHost, Phase, Plan } from '../apply/types.js';
import { CERT_CLOCK_TOLERANCE_MS, clockSkewBeyond } from '../apply/clock.js';
import { InputError } from '../diag/errors.js';
import type { Session } from './session.js';

/** `kubeha plan`, and the first half of `kubeha apply`: observe every host (in parallel), then plan. */

export interface PlanRequest {
  /** The offline bundle installs may come from. */
  bundle?: BundleInfo;
  /** Only these phases (kubeadm-style `--phase`). */
  phases?: Phase[];
  /** Turns an observation error into the text of the host's failing preflight step. @default err.message */
  describe?: (err: unknown) => string;
}

export interface PlanOutcome {
  plan: Plan;
  /** Hosts that could not be connected to or observed: each has a failing `preflight:connect` step. */
  unreachable: string[];
  /** Milliseconds spent connecting to and observing the hosts. */
  observeMs: number;
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Observes every host of the session, `session.parallel` at once (each host: one connection, one command). */
export async function observeHosts(session: Session, describe: (err: unknown) => string = messageOf): Promise<{ observed: Map<string, ObservedHost>; failed: Map<string, string> }> {
  const observed = new Map<string, ObservedHost>();
  const failed = new Map<string, string>();
  await mapLimit(session.rendered, session.parallel, async (r) => {
    try {
      observed.set(r.host, await observeHost(session.remote(r.host), r));
    } catch (err) {
      failed.set(r.host, describe(err));
    }
  });
  return { observed, failed };
}

/** Observes and plans; a host that cannot be observed gets a failing preflight step instead of a plan. */
export async function planSession(session: Session, request: PlanRequest = {}): Promise<PlanOutcome> {
  const t0 = Date.now();
  const { observed, failed } = await observeHosts(session, request.describe);
  const observeMs = Date.now() - t0;
  // Before anything changes: clocks that differ by more than the certificates tolerate (only where there are some).
  const skew = session.spec.hosts.some((h) => h.roles.includes('control-plane') || h.roles.includes('etcd')) ? clockSkewBeyond([...observed.values()]) : undefined;
  if (skew) {
    throw new InputError([
      {
        code: 'E_CLOCK_SKEW',
        severity: 'error',
        message: `the clock of ${skew.ahead} is at least ${(skew.ms / 1000).toFixed(1)} s ahead of ${skew.behind}'s; certificates tolerate ${CERT_CLOCK_TOLERANCE_MS / 1000} s (a host behind would reject them as not yet valid); nothing was changed`,
        hint: 'synchronise the clocks (chrony or systemd-timesyncd against one NTP source), then run again',
      },
    ]);
  }
  const plan = planCluster(session.rendered, observed, { cluster: session.cluster, ...(request.bundle ? { bundle: request.bundle } : {}), ...(request.phases ? { phases: request.phases } : {}) });
  const unreachable: HostPlan[] = session.rendered
    .filter((r) => failed.has(r.host))
    .map((r) => {
      const message = failed.get(r.host)!;
      return { host: r.host, address: r.address, packageManager: '', changes: 0, steps: [{ id: 'preflight:connect', phase: 'preflight', kind: 'fail', title: 'connect and observe', reason: message, message }] };
    });
  const order = session.rendered.map((r) => r.host);
  plan.hosts = [...plan.hosts, ...unreachable].sort((a, b) => order.indexOf(a.host) - order.indexOf(b.host));
  return { plan, unreachable: unreachable.map((h) => h.host), observeMs };
}
