import type { Diagnostic } from '../../diag/diagnostic.js';
import { FileDiagnostics, commonSsh, hoistSsh, mapEndpoint, sniffFormat, toDnsLabel, type ImportResult } from '../import-common.js';
import type { SpecInput } from '../../cluster-spec/schema.js';
import { hasErrors, readHosts, reportSecrets, resolveGroups, rolesOfHosts, type AnsibleContext } from './import-hosts.js';
import { passthroughOf, readClusterVars } from './import-vars.js';
import { looksLikeYaml, parseInventory, parseYamlInventory, readVarsFile } from './inventory.js';

/**
 * Ansible INI inventory (KubeSphere's old installer `conf/hosts.ini`, kubespray's `inventory.ini`) plus an
 * optional vars file (`conf/common.yaml`, `group_vars/k8s_cluster/*.yml`) → our spec.
 * Group names of both: kube-master / kube_control_plane, kube-node / kube_node, etcd.
 * The stages: read the inventory and the vars file (inventory.ts); groups, roles, secrets and hosts
 * (import-hosts.ts); cluster variables and passthrough (import-vars.ts).
 */

export interface AnsibleImportOptions {
  /** Cluster name for metadata.name. @default "imported" */
  name?: string;
  /** The vars file (e.g. common.yaml): its path as the user named it, and its text. */
  vars?: { file: string; text: string };
}

export function importAnsible(text: string, file: string, opts: AnsibleImportOptions = {}): ImportResult {
  const d = new FileDiagnostics(file, text);
  const vd = opts.vars ? new FileDiagnostics(opts.vars.file, opts.vars.text) : undefined;
  const source = `ansible inventory ${file}${opts.vars ? ` with vars ${opts.vars.file}` : ''}`;
  const finish = (spec?: SpecInput): ImportResult => {
    const diagnostics: Diagnostic[] = [...d.finish(), ...(vd ? vd.finish() : [])];
    return spec && !diagnostics.some((x) => x.severity === 'error') ? { spec, diagnostics, source } : { diagnostics, source };
  };

  if (wrongFormat(text, d)) return finish();
  const { hosts, groups } = looksLikeYaml(text) ? parseYamlInventory(d) : parseInventory(d);
  const varsFile = vd && opts.vars ? readVarsFile(vd) : undefined;
  const ctx: AnsibleContext = { d, vd, hosts, groups };
  if (hasErrors(ctx)) return finish();
  if (hosts.size === 0) {
    d.error('IMPORT_MISSING_HOSTS', 'the inventory lists no host', { line: 1, col: 1 }, 'list hosts under [all] with ansible_host=… ip=…, then put them into [kube-master], [kube-node] and [etcd]');
    return finish();
  }
  resolveGroups(ctx);
  if (d.list.some((x) => x.severity === 'error')) return finish();
  const roleOf = rolesOfHosts(ctx);
  if (d.list.some((x) => x.severity === 'error')) return finish();
  reportSecrets(ctx);
  const { specHosts, hostVars, jumpHost, controlPlaneAddresses } = readHosts(ctx, roleOf);
  if (hasErrors(ctx)) return finish();

  const { cp, network, lb, passVars } = readClusterVars(ctx, varsFile);
  const { loadBalancer, endpoint } = mapEndpoint(
    { address: lb.address, domain: lb.domain, port: lb.port, controlPlaneAddresses },
    lb.fd,
    lb.at ?? (vd ? { line: 1, col: 1 } : undefined),
    { addressField: 'loadbalancer_apiserver.address', tool: 'the installer' },
  );
  const pass = passthroughOf(ctx, hostVars, passVars);
  if (hasErrors(ctx)) return finish();

  const spec = { apiVersion: 'kubeha.io/v1alpha1', kind: 'Cluster', metadata: { name: toDnsLabel(opts.name ?? 'imported') } } as SpecInput;
  const ssh = commonSsh(specHosts);
  if (ssh || jumpHost) spec.ssh = { ...(ssh ?? {}), ...(jumpHost ? { jumpHost } : {}) };
  spec.hosts = hoistSsh(specHosts);
  spec.loadBalancer = loadBalancer;
  spec.controlPlane = { endpoint, ...cp };
  if (Object.keys(network).length > 0) spec.network = network;
  if (Object.keys(pass).length > 0) spec.passthrough = { ansible: pass };
  return finish(spec);
}

/** A KubeKey config or a kubeha spec passed as an inventory: an error that names the right command. */
function wrongFormat(text: string, d: FileDiagnostics): boolean {
  const sniffed = sniffFormat(text);
  if (sniffed?.format !== 'kubekey' && sniffed?.format !== 'kubeha') return false;
  const [what, hint] =
    sniffed.format === 'kubekey'
      ? ['a KubeKey config', 'import it with `kubeha import kubekey FILE`']
      : ['already a kubeha spec', 'run `kubeha check FILE` on it instead of importing it'];
  d.error('IMPORT_WRONG_FORMAT', `this is ${what}, not an ansible inventory`, { line: sniffed.line, col: 1, length: sniffed.length }, hint);
  return true;
}
