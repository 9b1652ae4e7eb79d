import { Document, YAMLMap, isMap } from 'yaml';
import { REDACTED } from '../import-common.js';
import type { ClusterSpec, Host } from '../../cluster-spec/types.js';

/**
 * ClusterSpec → KubeKey v1alpha2 `Cluster` config, so that KubeSphere can be installed with `kk` on top of
 * the load balancer kubeha runs: controlPlaneEndpoint is our endpoint (VIP or external LB, and its port),
 * internalLoadbalancer stays unset, load-balancer-only hosts are left out, hosts log in with keys.
 * Settings imported from a KubeKey config (passthrough.kubekey) are written back where they came from.
 * Field names checked against kubekey cmd/kk/apis/kubekey/v1alpha2 (cluster_types.go, kubernetes_types.go).
 */

export interface KubekeyExport {
  text: string;
  /** What the reader should know (settings dropped or to fill in); the CLI prints them as info. */
  notes: string[];
}

const DEFAULT_DOMAIN = 'lb.kubesphere.local';

export function renderKubekeyConfig(spec: ClusterSpec): KubekeyExport {
  const notes: string[] = [];
  const pass = kubekeyPassthrough(spec.passthrough);
  const hostExtras = pass.hosts;
  const specExtras = stripRedacted(pass.spec, 'spec', notes) as Record<string, unknown>;

  const clusterHosts = spec.hosts.filter((h) => h.roles.some((r) => r !== 'loadbalancer'));
  const lbOnly = spec.hosts.filter((h) => !clusterHosts.includes(h));
  if (lbOnly.length > 0) notes.push(`load-balancer hosts ${lbOnly.map((h) => h.name).join(', ')} are left out: kubeha runs them, kk does not need them`);
  const kkName = (h: Host): string => {
    const n = hostExtras[h.name]?.['name'];
    return typeof n === 'string' ? n : h.name;
  };

  const hosts: Record<string, unknown>[] = clusterHosts.map((h) => hostEntry(h, hostExtras[h.name], kkName(h)));
  for (const [name, extra] of Object.entries(hostExtras)) {
    // Hosts that were in the KubeKey file without any role: written back as they were.
    if (extra['unused'] !== true || spec.hosts.some((h) => h.name === name)) continue;
    const { unused: _u, internalAddress, ssh, name: original, ...rest } = extra;
    const e: Record<string, unknown> = { name: typeof original === 'string' ? original : name };
    e['address'] = rest['address'] ?? internalAddress;
    e['internalAddress'] = internalAddress;
    delete rest['address'];
    const s = (ssh ?? {}) as { user?: string; port?: number; keyFile?: string };
    if (s.port !== undefined && s.port !== 22) e['port'] = s.port;
    if (s.user) e['user'] = s.user;
    e['privateKeyPath'] = s.keyFile ?? '~/.ssh/id_rsa';
    hosts.push({ ...e, ...rest });
  }

  const hasEtcdRole = spec.hosts.some((h) => h.roles.includes('etcd'));
  const byRole = (pred: (h: Host) => boolean): string[] => clusterHosts.filter(pred).map(kkName);
  const roleGroups: Record<string, unknown> = {};
  if (spec.etcd.type === 'stacked') roleGroups['etcd'] = byRole((h) => h.roles.includes('etcd') || (!hasEtcdRole && h.roles.includes('control-plane')));
  roleGroups['control-plane'] = byRole((h) => h.roles.includes('control-plane'));
  roleGroups['worker'] = byRole((h) => h.roles.includes('worker'));
  const extraGroups = specExtras['roleGroups'];
  if (extraGroups && typeof extraGroups === 'object') Object.assign(roleGroups, extraGroups);

  const ep = spec.controlPlane.endpoint;
  const cpeExtras = { ...((specExtras['controlPlaneEndpoint'] ?? {}) as Record<string, unknown>) };
  for (const k of ['internalLoadbalancer', 'kubevip', 'externalDNS']) {
    if (k in cpeExtras) {
      notes.push(`controlPlaneEndpoint.${k} (${JSON.stringify(cpeExtras[k])}) from the imported file is left out: kubeha runs the load balancer`);
      delete cpeExtras[k];
    }
  }
  const controlPlaneEndpoint: Record<string, unknown> = { domain: ep.domain ?? DEFAULT_DOMAIN, address: ep.address, port: ep.port, ...cpeExtras };

  const k8sExtras = { ...((specExtras['kubernetes'] ?? {}) as Record<string, unknown>) };
  const kubernetes: Record<string, unknown> = { version: spec.controlPlane.version };
  if (typeof k8sExtras['type'] === 'string') kubernetes['version'] = `${spec.controlPlane.version}-${k8sExtras['type']}`;
  delete k8sExtras['type'];
  kubernetes['clusterName'] = k8sExtras['clusterName'] ?? 'cluster.local';
  delete k8sExtras['clusterName'];
  kubernetes['dnsDomain'] = spec.network.dnsDomain;
  if (spec.controlPlane.certSANs.length > 0) kubernetes['apiserverCertExtraSans'] = spec.controlPlane.certSANs;
  Object.assign(kubernetes, k8sExtras);
  const jumped = clusterHosts.filter((h) => h.ssh.jumpHost !== undefined);
  if (jumped.length > 0) {
    notes.push(`kk has no SSH jump host: run it from a machine that reaches ${jumped.map((h) => h.name).join(', ')} directly`);
  }
  if (spec.controlPlane.apiserverPort !== 6443) {
    notes.push(`the apiservers listen on ${spec.controlPlane.apiserverPort} in the spec; KubeKey installs them on 6443`);
  }

  const etcdExtras = { ...((specExtras['etcd'] ?? {}) as Record<string, unknown>) };
  const etcd: Record<string, unknown> =
    spec.etcd.type === 'external'
      ? { type: 'external', external: { ...((etcdExtras['external'] ?? {}) as Record<string, unknown>), endpoints: spec.etcd.endpoints } }
      : { type: etcdExtras['type'] === 'kubeadm' ? 'kubeadm' : 'kubekey' };
  delete etcdExtras['type'];
  delete etcdExtras['external'];
  Object.assign(etcd, etcdExtras);

  const netExtras = { ...((specExtras['network'] ?? {}) as Record<string, unknown>) };
  const network: Record<string, unknown> = {
    plugin: spec.network.plugin,
    kubePodsCIDR: netExtras['kubePodsCIDR'] ?? spec.network.podCIDR,
    kubeServiceCIDR: netExtras['kubeServiceCIDR'] ?? spec.network.serviceCIDR,
  };
  delete netExtras['kubePodsCIDR'];
  delete netExtras['kubeServiceCIDR'];
  Object.assign(network, netExtras);

  const clusterSpec: Record<string, unknown> = { hosts, roleGroups, controlPlaneEndpoint, kubernetes, etcd, network };
  const handled = new Set(['roleGroups', 'controlPlaneEndpoint', 'kubernetes', 'etcd', 'network', 'metadata']);
  for (const [k, v] of Object.entries(specExtras)) if (!handled.has(k)) clusterSpec[k] = v;

  const metadata: Record<string, unknown> = { name: spec.name, ...((specExtras['metadata'] ?? {}) as Record<string, unknown>) };
  const doc = new Document({ apiVersion: 'kubekey.kubesphere.io/v1alpha2', kind: 'Cluster', metadata, spec: clusterSpec });
  doc.commentBefore = header(spec);
  const specMap = doc.get('spec', true);
  if (isMap(specMap)) {
    comment(specMap, 'hosts', " No passwords: kk logs in with privateKeyPath (kubeha's ssh.keyFile, else kk's default ~/.ssh/id_rsa).");
    comment(specMap, 'controlPlaneEndpoint', endpointComment(spec));
    if (lbOnly.length > 0) comment(specMap, 'roleGroups', ` Load-balancer hosts (${lbOnly.map((h) => h.name).join(', ')}) are run by kubeha and not listed here.`);
  }
  const parts = [doc.toString({ lineWidth: 0 })];
  pass.documents.forEach((d, i) => {
    const cleaned = stripRedacted(d, `document ${i + 2}`, notes);
    parts.push(new Document(cleaned).toString({ lineWidth: 0 }));
  });
  return { text: parts.join('---\n'), notes };
}

function hostEntry(h: Host, extra: Record<string, unknown> | undefined, name: string): Record<string, unknown> {
  const e: Record<string, unknown> = { name };
  const sshAddress = extra?.['address'];
  e['address'] = typeof sshAddress === 'string' ? sshAddress : h.address;
  e['internalAddress'] = h.address;
  if (h.ssh.port !== 22) e['port'] = h.ssh.port;
  e['user'] = h.ssh.user;
  e['privateKeyPath'] = h.ssh.keyFile ?? '~/.ssh/id_rsa';
  if (Object.keys(h.labels).length > 0) e['labels'] = h.labels;
  for (const [k, v] of Object.entries(extra ?? {})) if (!['name', 'address', 'unused', 'internalAddress', 'ssh'].includes(k) && v !== REDACTED) e[k] = v;
  return e;
}

function header(spec: ClusterSpec): string {
  return [
    ` KubeKey config exported by kubeha from cluster ${spec.name}.`,
    ` Install Kubernetes (and KubeSphere) with: kk create cluster -f <this file>`,
    spec.loadBalancer.mode === 'external'
      ? ` The endpoint is the external load balancer ${spec.loadBalancer.vip}:${spec.loadBalancer.port}; make sure it forwards to the control-plane hosts.`
      : ` The load balancer (${spec.loadBalancer.mode}) is kubeha's: bring it up first (kubeha apply), then run kk.`,
  ].join('\n');
}

function endpointComment(spec: ClusterSpec): string {
  const lb = spec.loadBalancer;
  const what = lb.mode === 'external' ? `the external load balancer ${lb.vip}:${lb.port}` : `kubeha's VIP ${lb.vip}:${lb.port} (keepalived + HAProxy, mode ${lb.mode})`;
  const why = lb.mode === 'external' ? 'that load balancer serves the endpoint' : 'kubeha runs the load balancer';
  return ` The endpoint is ${what}; internalLoadbalancer stays unset because ${why}.`;
}

function comment(map: YAMLMap, key: string, text: string): void {
  const pair = map.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
  const k = pair?.key as { commentBefore?: string } | undefined;
  if (k && typeof k === 'object') k.commentBefore = text;
}

interface Pass {
  spec: Record<string, unknown>;
  hosts: Record<string, Record<string, unknown>>;
  documents: unknown[];
}

/** passthrough.kubekey written by the importer, read defensively (the user may have edited it). */
function kubekeyPassthrough(passthrough: Record<string, unknown>): Pass {
  const kk = passthrough['kubekey'];
  const o = kk && typeof kk === 'object' ? (kk as Record<string, unknown>) : {};
  const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  const hosts: Record<string, Record<string, unknown>> = {};
  for (const [k, v] of Object.entries(obj(o['hosts']))) hosts[k] = obj(v);
  return { spec: obj(o['spec']), hosts, documents: Array.isArray(o['documents']) ? o['documents'] : [] };
}

/** Copy without values the importer redacted (a redaction note is no valid setting); each one is noted. */
function stripRedacted(v: unknown, path: string, notes: string[]): unknown {
  if (v === REDACTED) return undefined;
  if (Array.isArray(v)) return v.map((x, i) => stripRedacted(x, `${path}[${i}]`, notes)).filter((x) => x !== undefined);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x === REDACTED) {
        notes.push(`${path}.${k} held a plain-text secret that kubeha import did not keep: fill it in if kk needs it`);
        continue;
      }
      out[k] = stripRedacted(x, `${path}.${k}`, notes);
    }
    return out;
  }
  return v;
}
