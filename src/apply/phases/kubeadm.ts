import type { RenderedHost } from '../../render/types.js';
import type { ObservedHost, Step } from '../types.js';
import { waitStep } from './control-plane.js';
import { failStep, type PhaseDefinition, type PhaseContext } from './phase.js';

/**
 * kubeadm mode (`controlPlane.mode: kubeadm`), pure: `kubeadm init` on the first control-plane host, then
 * `kubeadm join` (control plane) on each other one, one at a time (the engine's rolling turn), each only once the
 * first apiserver answers `/readyz`, each followed by a wait for its own. kubeha's CAs are already in place (the files
 * phase; src/pki/files.ts): kubeadm issues the rest from them.
 *
 * Done is what kubeadm itself leaves behind: the apiserver's static-pod manifest and the kubelet's kubeconfig. A host
 * with both gets no step (a rerun is a no-op); a host with one of them was interrupted, and kubeha does not guess
 * how far: it stops with the command that resets it (`kubeadm reset` removes that host's control-plane state).
 */

const KUBEADM_TIMEOUT_MS = 600_000;
const READY_TIMEOUT_MS = 300_000;

const done = (seen: ObservedHost): boolean => seen.kubeadm?.manifests === true && seen.kubeadm.kubeletConf === true;
const interrupted = (seen: ObservedHost): boolean => seen.kubeadm !== undefined && seen.kubeadm.manifests !== seen.kubeadm.kubeletConf;

/** `v1.37.2` → [1, 37]; undefined when it is not a version. */
function minor(v: string | undefined): [number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(v ?? '');
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/**
 * What kubeadm needs on the host and that kubeha does not install in kubeadm mode (as on kubeadm's own install page):
 * kubeadm of the spec's version or newer, a kubelet, a container runtime on the CRI socket. Pure; used by preflight.
 */
export function kubeadmPrerequisites(want: RenderedHost, seen: ObservedHost): Step[] {
  const run = want.kubeadm;
  if (!run || done(seen)) return [];
  const version = run.version;
  const k = seen.kubeadm;
  const steps: Step[] = [];
  const have = minor(k?.version);
  const need = minor(version);
  if (!k?.version) steps.push(failStep('kubeadm', `kubeadm is not installed on ${want.host} (controlPlane.mode: kubeadm)`, `install kubeadm ${version} (and the kubelet) from pkgs.k8s.io or your mirror, or use controlPlane.mode: binary`));
  else if (have && need && (have[0] < need[0] || (have[0] === need[0] && have[1] < need[1])))
    steps.push(failStep('kubeadm-version', `kubeadm ${k.version} on ${want.host} is older than the spec's kubernetes version ${version}: kubeadm cannot install a newer control plane`, `install kubeadm ${version} on ${want.host}, or set controlPlane.version to ${k.version}`));
  if (k && !k.kubelet) steps.push(failStep('kubelet', `no kubelet on ${want.host}: kubeadm runs the control plane as static pods of the kubelet`, `install kubelet ${version} and enable kubelet.service on ${want.host}`));
  if (k && !k.runtime)
    steps.push(failStep('container-runtime', `no container runtime on ${want.host}: ${run.criSocket} does not exist`, `install and start containerd (its CRI plugin enabled, SystemdCgroup = true) on ${want.host}, or use controlPlane.mode: binary (no runtime needed)`));
  if (interrupted(seen))
    steps.push(
      failStep(
        'kubeadm-interrupted',
        `kubeadm ${run.action} was interrupted on ${want.host}: ${seen.kubeadm?.manifests ? 'the apiserver manifest exists but not the kubelet kubeconfig' : 'the kubelet kubeconfig exists but not the apiserver manifest'}`,
        `run \`kubeadm reset -f\` on ${want.host} (it removes that host's control-plane state${run.action === 'join' ? '; remove its etcd member first if it joined' : ''}), then apply again`,
      ),
    );
  return steps;
}

/** The host that runs `kubeadm init`. */
const initHost = (cluster: readonly RenderedHost[]): RenderedHost | undefined => cluster.find((h) => h.kubeadm?.action === 'init');

export const kubeadmPhase: PhaseDefinition = {
  name: 'kubeadm',
  plan({ want, seen, cluster }: PhaseContext): Step[] {
    const run = want.kubeadm;
    if (!run || done(seen)) return [];
    // The kubelet runs the static pods: its log explains a wait that never passes.
    const wait = (when: string, url: string, reason: string, timeoutMs: number): Step => waitStep('kubeadm', when, { type: 'https-ok', urls: [url] }, timeoutMs, ['kubelet.service'], reason);
    const steps: Step[] = [];
    const first = initHost(cluster);
    if (run.action === 'join') {
      if (!first?.kubeadm) return [failStep('kubeadm-init-host', `${want.host} joins, but no host of the spec runs kubeadm init`, 'this is a kubeha bug: report it')];
      steps.push(wait('init', first.kubeadm.readyz, `${first.host} (kubeadm init) answers before ${want.host} joins`, KUBEADM_TIMEOUT_MS));
    }
    steps.push({
      id: `kubeadm:${run.action}`,
      phase: 'kubeadm',
      kind: 'kubeadm',
      action: run.action,
      config: run.config,
      title: `kubeadm ${run.action} --config ${run.config}`,
      reason: run.action === 'init' ? 'the first control-plane host is not initialised' : 'this control-plane host has not joined',
    });
    steps.push(wait('ready', run.readyz, `the apiserver ${run.action === 'init' ? 'kubeadm init' : 'kubeadm join'} started answers`, READY_TIMEOUT_MS));
    return steps;
  },
};
