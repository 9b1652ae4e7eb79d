import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterSpec } from '../cluster-spec/types.js';
import { ensureK8sBinaries } from '../lab/k8s-binaries.js';
import { withBinariesLocated } from './binaries.js';
import { kubeconfigFor } from './certs.js';
import { labForSpec } from './session.js';

/**
 * `kubeha kubectl SPEC -- ARGS`: the kubectl of the cluster's own version (kubeha's cache, built when missing; never one
 * found on PATH), with an admin kubeconfig from kubeha's PKI, against the endpoint, from the client side: in a lab,
 * inside its taskbox namespace (the only place the VIP is reachable from).
 */

export interface KubectlRequest {
  args: readonly string[];
  stateDir?: string;
  /** Run inside this network namespace (default: the lab's taskbox when the spec's hosts are a lab's). */
  netns?: string;
  onProgress?: (line: string) => void;
}

export interface KubectlInvocation {
  /** The full argv (`ip netns exec NS /…/kubectl --kubeconfig FILE …`), FILE in `tempDir`. */
  argv: string[];
  tempDir: string;
  kubectl: string;
}

/** What to run (pure): the kubectl, its kubeconfig, the server as an address when the name is not resolvable there. */
export function kubectlArgv(kubectl: string, kubeconfigFile: string, args: readonly string[], opts: { netns?: string; tlsServerName?: string }): string[] {
  return [...(opts.netns ? ['ip', 'netns', 'exec', opts.netns] : []), kubectl, '--kubeconfig', kubeconfigFile, ...(opts.tlsServerName ? ['--tls-server-name', opts.tlsServerName] : []), ...args];
}

export async function prepareKubectl(specPath: string, spec: ClusterSpec, request: KubectlRequest): Promise<KubectlInvocation> {
  const bins = await withBinariesLocated(specPath, () => ensureK8sBinaries(spec.controlPlane.version, request.onProgress));
  const netns = request.netns ?? (await labForSpec(spec))?.plan.taskbox.netns;
  const ep = spec.controlPlane.endpoint;
  // In a namespace (a lab's taskbox) nothing resolves the endpoint's domain: connect to its address and check the
  // certificate against the name.
  const byAddress = netns !== undefined && ep.domain !== undefined;
  const host = ep.address.includes(':') ? `[${ep.address}]` : ep.address;
  const { text } = await kubeconfigFor(specPath, spec, { user: 'admin', ...(request.stateDir ? { stateDir: request.stateDir } : {}), ...(byAddress ? { server: `https://${host}:${ep.port}` } : {}) });
  const tempDir = await mkdtemp(join(tmpdir(), 'kubeha-kubectl-'));
  const file = join(tempDir, 'admin.conf');
  await writeFile(file, text, { mode: 0o600 });
  const kubectl = join(bins.dir, 'kubectl');
  return { argv: kubectlArgv(kubectl, file, request.args, { ...(netns ? { netns } : {}), ...(byAddress ? { tlsServerName: ep.domain } : {}) }), tempDir, kubectl };
}

/** Runs it with the terminal's stdio; resolves to kubectl's exit code (128+n when killed by signal n). The kubeconfig is removed. */
export async function runKubectl(specPath: string, spec: ClusterSpec, request: KubectlRequest): Promise<number> {
  const inv = await prepareKubectl(specPath, spec, request);
  // Ctrl-C reaches kubectl (same process group); kubeha waits for it and removes the key material.
  const ignore = (): void => undefined;
  process.on('SIGINT', ignore);
  try {
    return await new Promise<number>((resolve, reject) => {
      const [cmd, ...args] = inv.argv;
      const child = spawn(cmd!, args, { stdio: 'inherit' });
      child.on('error', reject);
      child.on('close', (code, sig) => resolve(code ?? (sig === 'SIGINT' ? 130 : sig === 'SIGTERM' ? 143 : 137)));
    });
  } finally {
    process.off('SIGINT', ignore);
    await rm(inv.tempDir, { recursive: true, force: true });
  }
}
