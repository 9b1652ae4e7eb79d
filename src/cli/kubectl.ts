import type { Command } from 'commander';
import { runKubectl } from '../ops/kubectl.js';
import { loadSpecFile } from './io.js';

/** `kubeha kubectl SPEC -- ARGS`: the cluster's own kubectl, with an admin kubeconfig, from the client side. */

interface KubectlOptions {
  stateDir?: string;
  netns?: string;
}

export function registerKubectl(program: Command): void {
  program
    .command('kubectl')
    .description("Run the kubectl of the cluster's version (kubeha's cache, never one on PATH) with an admin kubeconfig against the endpoint, from the client side.")
    .argument('<spec>', 'cluster spec (YAML)')
    .argument('[args...]', "kubectl's arguments (after --)")
    .option('--state-dir <dir>', "the cluster's state directory, whose PKI signs the admin certificate (default: .kubeha/<cluster name> next to the spec)")
    .option('--netns <name>', "run kubectl inside this network namespace (default: the lab's taskbox when the spec's hosts are a running lab's)")
    .addHelpText(
      'after',
      `
Examples:
  kubeha kubectl cluster.yaml -- get --raw /readyz
  kubeha kubectl cluster.yaml -- get ns
  kubeha kubectl cluster.yaml -- version -o json
  kubeha kubectl cluster.yaml -- get lease -n kube-system

kubectl is the one of controlPlane.version from kubeha's cache ($KUBEHA_CACHE, default /var/cache/kubeha), built
first when missing (scripts/k8s-binaries.sh). The admin kubeconfig (group kubeadm:cluster-admins) comes from the state
directory's PKI and lives in a 0600 temporary file for the run only. Its server is the endpoint (VIP or domain, and
port); in a lab kubectl runs in the taskbox namespace, and a domain endpoint is reached at its address with the
certificate checked against the domain (--tls-server-name).
Exit codes: kubectl's own; 2 bad input (spec; a version with no binaries and none buildable, at controlPlane.version);
3 the binaries could not be built or the state directory read.`,
    )
    .action(async (spec: string, args: string[], opts: KubectlOptions) => {
      const loaded = await loadSpecFile(spec);
      process.exitCode = await runKubectl(spec, loaded, {
        args,
        ...(opts.stateDir ? { stateDir: opts.stateDir } : {}),
        ...(opts.netns ? { netns: opts.netns } : {}),
        onProgress: (l) => process.stderr.write(`${l}\n`),
      });
    });
}
