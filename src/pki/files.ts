import type { ClusterSpec, Host } from '../cluster-spec/types.js';
import type { RenderedFile, RenderedHost } from '../render/types.js';
import { lbHosts } from '../render/util.js';
import { componentKubeconfig, userKubeconfig } from './kubeconfig.js';
import { CONTROL_PLANE_UNITS, HAPROXY_CA_FILE, KUBECONFIG_PATHS, PKI_PATHS } from './paths.js';
import { controlPlaneHosts, etcdMembers, hostCertId } from './plan.js';
import type { StoredPki } from './types.js';
import { isKubeadmMode } from '../render/kubeadm.js';

/** Which PKI files each host gets, at kubeadm's paths: every host only what it runs. */

export type Component = keyof typeof CONTROL_PLANE_UNITS;

/** One PKI file of a host: which stored pair (or key pair) it comes from, and what reads it. */
export interface PkiFile {
  path: string;
  /** The request id (`ca`, `hosts/m1/apiserver`, …); `sa` for the service-account key pair. */
  id: string;
  /** cert / key of the pair `id`; kubeconfig: a kubeconfig holding the pair `id` and the cluster CA; sa-key / sa-pub. */
  part: 'cert' | 'key' | 'kubeconfig' | 'sa-key' | 'sa-pub';
  /** The binary-mode unit that reads it (restarted when it changes). */
  component?: Component;
  /** HAProxy reads it (reloaded when it changes). */
  haproxy?: boolean;
}

export interface PkiFileOptions {
  /**
   * Attach restarts of the binary-mode systemd units (CONTROL_PLANE_UNITS) to the files they read. kubeadm mode runs
   * static pods and has no such units. @default true
   */
  restartUnits?: boolean;
  /** The owner of the files a component reads (e.g. etcd: 'etcd' when the unit runs as that user). @default root */
  owners?: Partial<Record<Component, string>>;
}

/**
 * Whether kubeha manages the control plane's PKI for this spec: it has control-plane hosts and kubeha installs the
 * control plane (binary mode) or runs kubeadm (kubeadm mode: kubeha's CAs, see {@link KUBEADM_SHARED}). KubeKey issues
 * its own.
 */
export function pkiNeeded(spec: ClusterSpec): boolean {
  return (spec.controlPlane.installer === 'binary' || isKubeadmMode(spec)) && controlPlaneHosts(spec).length > 0;
}

/**
 * kubeadm mode: the files kubeha places before kubeadm runs are kubeadm's "shared certificates" (the cluster,
 * front-proxy and etcd CAs with their keys, the service-account key pair), and with an external etcd the apiserver's
 * client certificate for it. kubeadm init and join issue every other certificate and kubeconfig from these CAs
 * themselves, so every master shares one CA without `kubeadm init --upload-certs` (no certificate key to hand over)
 * and `kubeha kubeconfig` keeps working against a kubeadm-made control plane.
 */
const KUBEADM_SHARED = new Set(['ca', 'front-proxy-ca', 'sa', 'etcd/ca']);

/**
 * The PKI files of one host:
 * - control-plane hosts: the cluster, front-proxy and etcd CA certificates with their keys and the service-account
 *   key pair (kubeadm's "shared certificates", which kubeadm copies to every joining control-plane host: the
 *   controller-manager signs with ca.key), their own apiserver, apiserver-kubelet-client, apiserver-etcd-client and
 *   front-proxy-client pairs, admin.conf, controller-manager.conf and scheduler.conf; the first one super-admin.conf
 *   (kubeadm init writes it on the first only);
 * - etcd members: the etcd CA certificate (and its key when they are control-plane hosts too), their server, peer and
 *   healthcheck-client pairs;
 * - load-balancer hosts: the cluster CA certificate for HAProxy's TLS check, at HAPROXY_CA_FILE.
 */
export function pkiLayout(spec: ClusterSpec, host: Host): PkiFile[] {
  const out: PkiFile[] = [];
  const masters = controlPlaneHosts(spec);
  const members = etcdMembers(spec);
  const isMaster = masters.some((m) => m.name === host.name);
  const isMember = members.some((m) => m.name === host.name);
  const pair = (paths: { cert: string; key: string }, id: string, component?: Component): void => {
    out.push({ path: paths.cert, id, part: 'cert', ...(component ? { component } : {}) }, { path: paths.key, id, part: 'key', ...(component ? { component } : {}) });
  };
  const own = (n: string): string => hostCertId(host.name, n);
  if (isMaster) {
    pair(PKI_PATHS.ca, 'ca', 'apiserver');
    pair(PKI_PATHS.frontProxyCa, 'front-proxy-ca', 'apiserver');
    out.push({ path: PKI_PATHS.serviceAccount.key, id: 'sa', part: 'sa-key', component: 'apiserver' }, { path: PKI_PATHS.serviceAccount.pub, id: 'sa', part: 'sa-pub', component: 'apiserver' });
    pair(PKI_PATHS.apiserver, own('apiserver'), 'apiserver');
    pair(PKI_PATHS.apiserverKubeletClient, own('apiserver-kubelet-client'), 'apiserver');
    pair(PKI_PATHS.frontProxyClient, own('front-proxy-client'), 'apiserver');
    if (members.length > 0) pair(PKI_PATHS.apiserverEtcdClient, own('apiserver-etcd-client'), 'apiserver');
    out.push({ path: KUBECONFIG_PATHS.admin, id: 'users/admin', part: 'kubeconfig' });
    if (masters[0]?.name === host.name) out.push({ path: KUBECONFIG_PATHS.superAdmin, id: 'users/super-admin', part: 'kubeconfig' });
    out.push({ path: KUBECONFIG_PATHS.controllerManager, id: own('controller-manager'), part: 'kubeconfig', component: 'controllerManager' });
    out.push({ path: KUBECONFIG_PATHS.scheduler, id: own('scheduler'), part: 'kubeconfig', component: 'scheduler' });
  }
  if (isMember || (isMaster && members.length > 0)) {
    out.push({ path: PKI_PATHS.etcdCa.cert, id: 'etcd/ca', part: 'cert', component: isMember ? 'etcd' : 'apiserver' });
    if (isMaster) out.push({ path: PKI_PATHS.etcdCa.key, id: 'etcd/ca', part: 'key' });
  }
  if (isMember) {
    pair(PKI_PATHS.etcdServer, own('etcd/server'), 'etcd');
    pair(PKI_PATHS.etcdPeer, own('etcd/peer'), 'etcd');
    pair(PKI_PATHS.etcdHealthcheckClient, own('etcd/healthcheck-client'));
  }
  if (lbHosts(spec).some((h) => h.name === host.name)) out.push({ path: HAPROXY_CA_FILE, id: 'ca', part: 'cert', haproxy: true });
  if (isKubeadmMode(spec)) {
    const externalEtcdClient = spec.etcd.type === 'external' ? hostCertId(host.name, 'apiserver-etcd-client') : undefined;
    return out.filter((f) => isMaster && f.path !== HAPROXY_CA_FILE && (KUBEADM_SHARED.has(f.id) || f.id === externalEtcdClient));
  }
  return out;
}

/** Keys and kubeconfigs (which embed a key) are secret. */
export const isSecretPart = (part: PkiFile['part']): boolean => part === 'key' || part === 'kubeconfig' || part === 'sa-key';

/** The content of a layout entry from the stored PKI. @throws Error when the PKI lacks it (issue it first). */
export function pkiFileContent(spec: ClusterSpec, stored: StoredPki, host: Host, f: PkiFile): string {
  if (f.part === 'sa-key' || f.part === 'sa-pub') {
    if (!stored.serviceAccount) throw new Error('the PKI has no service-account key pair: issue it first (issuePki)');
    return f.part === 'sa-key' ? stored.serviceAccount.key : stored.serviceAccount.pub;
  }
  if (f.part === 'kubeconfig') {
    if (f.id === 'users/admin') return userKubeconfig(spec, stored, 'admin');
    if (f.id === 'users/super-admin') return userKubeconfig(spec, stored, 'super-admin');
    return componentKubeconfig(spec, stored, host, f.id.endsWith('/scheduler') ? 'scheduler' : 'controller-manager');
  }
  const p = stored.certs[f.id];
  if (!p) throw new Error(`the PKI has no certificate ${f.id}: issue it first (issuePki)`);
  return f.part === 'cert' ? p.cert : p.key;
}

/** The PKI files of one host (see {@link pkiLayout}) as rendered files: keys and kubeconfigs 0600 and secret, certificates 0644. */
export function pkiFilesForHost(spec: ClusterSpec, stored: StoredPki, host: Host, options: PkiFileOptions = {}): RenderedFile[] {
  // kubeadm mode runs static pods: no unit of ours reads these files.
  const restart = options.restartUnits !== false && !isKubeadmMode(spec);
  return pkiLayout(spec, host).map((f) => {
    const secret = isSecretPart(f.part);
    const owner = f.component ? options.owners?.[f.component] : undefined;
    const file: RenderedFile = { path: f.path, content: pkiFileContent(spec, stored, host, f), mode: secret ? 0o600 : 0o644 };
    if (secret) file.secret = true;
    if (owner) file.owner = owner;
    // HAProxy re-reads its ca-file when it reloads.
    if (f.haproxy) file.reloads = { unit: 'haproxy.service', action: 'reload' };
    else if (restart && f.component) file.reloads = { unit: CONTROL_PLANE_UNITS[f.component], action: 'restart' };
    return file;
  });
}

/**
 * The rendered hosts with their PKI files added (files sorted by path within the unvalidated group, before the
 * validated configs: HAProxy's config refers to the CA file).
 */
export function withPkiFiles(spec: ClusterSpec, rendered: RenderedHost[], stored: StoredPki, options: PkiFileOptions = {}): RenderedHost[] {
  return rendered.map((r) => {
    const host = spec.hosts.find((h) => h.name === r.host);
    if (!host) return r;
    const extra = pkiFilesForHost(spec, stored, host, options).filter((f) => !r.files.some((g) => g.path === f.path));
    if (extra.length === 0) return r;
    const rank = (f: RenderedFile): number => (f.validate ? 1 : 0);
    const files = [...r.files, ...extra].sort((a, b) => rank(a) - rank(b) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { ...r, files };
  });
}
