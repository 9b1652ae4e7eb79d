import type { ClusterSpec, Host } from '../cluster-spec/types.js';
import type { RenderedFile, RenderedHost } from '../render/types.js';
import { lbHosts } from '../render/util.js';
import { componentKubeconfig, userKubeconfig } from './kubeconfig.js';
import { CONTROL_PLANE_UNITS, HAPROXY_CA_FILE, KUBECONFIG_PATHS, PKI_PATHS } from './paths.js';
import { controlPlaneHosts, etcdMembers, hostCertId } from './plan.js';
import type { StoredPki } from './types.js';

/** Which PKI files each host gets, at kubeadm's paths: every host only what it runs. */

export interface PkiFileOptions {
  /**
   * Attach restarts of the binary-mode systemd units (CONTROL_PLANE_UNITS) to the files they read. kubeadm mode runs
   * static pods and has no such units. @default true
   */
  restartUnits?: boolean;
  /** The owner of the files a component reads (e.g. etcd: 'etcd' when the unit runs as that user). @default root */
  owners?: Partial<Record<keyof typeof CONTROL_PLANE_UNITS, string>>;
}

/**
 * Whether kubeha manages the control plane's PKI for this spec: it has control-plane hosts and kubeha installs the
 * control plane (binary mode). kubeadm and KubeKey issue their own unless told otherwise.
 */
export function pkiNeeded(spec: ClusterSpec): boolean {
  return spec.controlPlane.installer === 'binary' && controlPlaneHosts(spec).length > 0;
}

type Component = keyof typeof CONTROL_PLANE_UNITS;

/**
 * The PKI files of one host:
 * - control-plane hosts: the cluster, front-proxy and etcd CA certificates with their keys and the service-account
 *   key pair (kubeadm's "shared certificates", which kubeadm copies to every joining control-plane host: the
 *   controller-manager signs with ca.key), their own apiserver, apiserver-kubelet-client, apiserver-etcd-client and
 *   front-proxy-client pairs, admin.conf, controller-manager.conf and scheduler.conf; the first one super-admin.conf
 *   (as kubeadm init writes it on the first only);
 * - etcd members: the etcd CA certificate (and its key when they are control-plane hosts too), their server, peer and
 *   healthcheck-client pairs;
 * - load-balancer hosts: the cluster CA certificate for HAProxy's TLS check, at HAPROXY_CA_FILE.
 * Keys are 0600 and marked secret; certificates 0644.
 */
export function pkiFilesForHost(spec: ClusterSpec, stored: StoredPki, host: Host, options: PkiFileOptions = {}): RenderedFile[] {
  const restart = options.restartUnits !== false;
  const files: RenderedFile[] = [];
  const masters = controlPlaneHosts(spec);
  const isMaster = masters.some((m) => m.name === host.name);
  const isMember = etcdMembers(spec).some((m) => m.name === host.name);
  const get = (id: string): { cert: string; key: string } => {
    const p = stored.certs[id];
    if (!p) throw new Error(`the PKI has no certificate ${id}: issue it first (issuePki)`);
    return p;
  };
  const withUnit = (f: RenderedFile, component: Component | undefined): RenderedFile => {
    const owner = component ? options.owners?.[component] : undefined;
    return { ...f, ...(owner ? { owner } : {}), ...(restart && component ? { reloads: { unit: CONTROL_PLANE_UNITS[component], action: 'restart' as const } } : {}) };
  };
  const cert = (path: string, content: string, component?: Component): void => {
    files.push(withUnit({ path, content, mode: 0o644 }, component));
  };
  const key = (path: string, content: string, component?: Component): void => {
    files.push(withUnit({ path, content, mode: 0o600, secret: true }, component));
  };
  const both = (paths: { cert: string; key: string }, id: string, component?: Component): void => {
    const p = get(id);
    cert(paths.cert, p.cert, component);
    key(paths.key, p.key, component);
  };

  if (isMaster) {
    both(PKI_PATHS.ca, 'ca', 'apiserver');
    both(PKI_PATHS.frontProxyCa, 'front-proxy-ca', 'apiserver');
    if (stored.serviceAccount) {
      key(PKI_PATHS.serviceAccount.key, stored.serviceAccount.key, 'apiserver');
      cert(PKI_PATHS.serviceAccount.pub, stored.serviceAccount.pub, 'apiserver');
    }
    const id = (n: string): string => hostCertId(host.name, n);
    both(PKI_PATHS.apiserver, id('apiserver'), 'apiserver');
    both(PKI_PATHS.apiserverKubeletClient, id('apiserver-kubelet-client'), 'apiserver');
    both(PKI_PATHS.frontProxyClient, id('front-proxy-client'), 'apiserver');
    if (stored.certs[id('apiserver-etcd-client')]) both(PKI_PATHS.apiserverEtcdClient, id('apiserver-etcd-client'), 'apiserver');
    key(KUBECONFIG_PATHS.admin, userKubeconfig(spec, stored, 'admin'));
    if (masters[0]?.name === host.name) key(KUBECONFIG_PATHS.superAdmin, userKubeconfig(spec, stored, 'super-admin'));
    key(KUBECONFIG_PATHS.controllerManager, componentKubeconfig(spec, stored, host, 'controller-manager'), 'controllerManager');
    key(KUBECONFIG_PATHS.scheduler, componentKubeconfig(spec, stored, host, 'scheduler'), 'scheduler');
  }
  if (isMember || (isMaster && stored.certs['etcd/ca'])) {
    const etcdCa = get('etcd/ca');
    cert(PKI_PATHS.etcdCa.cert, etcdCa.cert, isMember ? 'etcd' : 'apiserver');
    if (isMaster) key(PKI_PATHS.etcdCa.key, etcdCa.key);
  }
  if (isMember) {
    const id = (n: string): string => hostCertId(host.name, n);
    both(PKI_PATHS.etcdServer, id('etcd/server'), 'etcd');
    both(PKI_PATHS.etcdPeer, id('etcd/peer'), 'etcd');
    both(PKI_PATHS.etcdHealthcheckClient, id('etcd/healthcheck-client'));
  }
  if (lbHosts(spec).some((h) => h.name === host.name)) {
    // HAProxy reads its ca-file when it (re)loads.
    files.push({ path: HAPROXY_CA_FILE, content: get('ca').cert, mode: 0o644, reloads: { unit: 'haproxy.service', action: 'reload' } });
  }
  return files;
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
