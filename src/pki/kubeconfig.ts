import { stringify } from 'yaml';
import type { ClusterSpec, Host } from '../cluster-spec/types.js';
import { hostCertId } from './plan.js';
import type { StoredPki } from './types.js';

/** kubeconfig files (clientcmd v1) with every certificate embedded, as kubeadm writes them. */

export const KUBECONFIG_USERS = ['admin', 'super-admin'] as const;
export type KubeconfigUser = (typeof KUBECONFIG_USERS)[number];

function hostPort(host: string, port: number): string {
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The URL clients use: the endpoint's domain when there is one (it is in the apiserver's SANs), else its address. */
export function endpointUrl(spec: ClusterSpec): string {
  const ep = spec.controlPlane.endpoint;
  return hostPort(ep.domain ?? ep.address, ep.port);
}

/** A host's own apiserver, as kubeadm's controller-manager.conf and scheduler.conf reach it (its address, bind port). */
export function localApiserverUrl(spec: ClusterSpec, host: Host): string {
  return hostPort(host.address, spec.controlPlane.apiserverPort);
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** The kubeconfig YAML of one client identity. */
export function kubeconfig(opts: { cluster: string; server: string; caCert: string; userName: string; cert: string; key: string }): string {
  const context = `${opts.userName}@${opts.cluster}`;
  return stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: opts.cluster, cluster: { server: opts.server, 'certificate-authority-data': b64(opts.caCert) } }],
      contexts: [{ name: context, context: { cluster: opts.cluster, user: opts.userName } }],
      'current-context': context,
      preferences: {},
      users: [{ name: opts.userName, user: { 'client-certificate-data': b64(opts.cert), 'client-key-data': b64(opts.key) } }],
    },
    { lineWidth: 0 },
  );
}

function pair(stored: StoredPki, id: string): { cert: string; key: string } {
  const p = stored.certs[id];
  if (!p) throw new Error(`the PKI has no certificate ${id}: issue it first (issuePki)`);
  return p;
}

const USER_NAMES: Record<KubeconfigUser, string> = { admin: 'kubernetes-admin', 'super-admin': 'kubernetes-super-admin' };

/** admin.conf / super-admin.conf: server = the endpoint (or `server`), the cluster CA embedded. */
export function userKubeconfig(spec: ClusterSpec, stored: StoredPki, user: KubeconfigUser, server = endpointUrl(spec)): string {
  const p = pair(stored, `users/${user}`);
  return kubeconfig({ cluster: spec.name, server, caCert: pair(stored, 'ca').cert, userName: USER_NAMES[user], cert: p.cert, key: p.key });
}

/** controller-manager.conf / scheduler.conf of a control-plane host: its own apiserver. */
export function componentKubeconfig(spec: ClusterSpec, stored: StoredPki, host: Host, component: 'controller-manager' | 'scheduler'): string {
  const p = pair(stored, hostCertId(host.name, component));
  const userName = component === 'controller-manager' ? 'system:kube-controller-manager' : 'system:kube-scheduler';
  return kubeconfig({ cluster: spec.name, server: localApiserverUrl(spec, host), caCert: pair(stored, 'ca').cert, userName, cert: p.cert, key: p.key });
}
