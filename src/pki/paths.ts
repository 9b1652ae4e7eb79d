/**
 * Where the cluster's certificates, keys and kubeconfigs live on the hosts: kubeadm's layout, so that kubeadm mode and
 * binary mode agree, and the renderers of the components (systemd units, HAProxy's check) refer to these constants.
 */

/** kubeadm's certificate directory. */
export const PKI_DIR = '/etc/kubernetes/pki';
/** kubeadm's kubeconfig directory. */
export const KUBECONFIG_DIR = '/etc/kubernetes';

export const PKI_PATHS = {
  ca: { cert: `${PKI_DIR}/ca.crt`, key: `${PKI_DIR}/ca.key` },
  etcdCa: { cert: `${PKI_DIR}/etcd/ca.crt`, key: `${PKI_DIR}/etcd/ca.key` },
  frontProxyCa: { cert: `${PKI_DIR}/front-proxy-ca.crt`, key: `${PKI_DIR}/front-proxy-ca.key` },
  /** The service-account token signing key pair (kube-apiserver signs, kube-controller-manager signs too, both verify). */
  serviceAccount: { key: `${PKI_DIR}/sa.key`, pub: `${PKI_DIR}/sa.pub` },
  apiserver: { cert: `${PKI_DIR}/apiserver.crt`, key: `${PKI_DIR}/apiserver.key` },
  apiserverKubeletClient: { cert: `${PKI_DIR}/apiserver-kubelet-client.crt`, key: `${PKI_DIR}/apiserver-kubelet-client.key` },
  apiserverEtcdClient: { cert: `${PKI_DIR}/apiserver-etcd-client.crt`, key: `${PKI_DIR}/apiserver-etcd-client.key` },
  frontProxyClient: { cert: `${PKI_DIR}/front-proxy-client.crt`, key: `${PKI_DIR}/front-proxy-client.key` },
  etcdServer: { cert: `${PKI_DIR}/etcd/server.crt`, key: `${PKI_DIR}/etcd/server.key` },
  etcdPeer: { cert: `${PKI_DIR}/etcd/peer.crt`, key: `${PKI_DIR}/etcd/peer.key` },
  etcdHealthcheckClient: { cert: `${PKI_DIR}/etcd/healthcheck-client.crt`, key: `${PKI_DIR}/etcd/healthcheck-client.key` },
} as const;

export const KUBECONFIG_PATHS = {
  /** server = the endpoint; group kubeadm:cluster-admins (bound to cluster-admin by RBAC, so it can be revoked). */
  admin: `${KUBECONFIG_DIR}/admin.conf`,
  /** server = the endpoint; group system:masters (bypasses RBAC): break-glass, on the first control-plane host only. */
  superAdmin: `${KUBECONFIG_DIR}/super-admin.conf`,
  /** server = this host's own apiserver (its address), as kubeadm does. */
  controllerManager: `${KUBECONFIG_DIR}/controller-manager.conf`,
  scheduler: `${KUBECONFIG_DIR}/scheduler.conf`,
} as const;

/** The cluster CA on every load-balancer host, for HAProxy's TLS check of /readyz (`ca-file` of the `server` lines). */
export const HAPROXY_CA_FILE = '/etc/haproxy/kube-ca.crt';

/**
 * systemd units (binary mode) that read the files above: a changed file restarts its unit. kubeadm mode runs the
 * components as static pods and has no such units.
 */
export const CONTROL_PLANE_UNITS = {
  etcd: 'etcd.service',
  apiserver: 'kube-apiserver.service',
  controllerManager: 'kube-controller-manager.service',
  scheduler: 'kube-scheduler.service',
} as const;
