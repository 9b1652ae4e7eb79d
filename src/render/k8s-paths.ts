/**
 * Where the control plane's certificates, keys and kubeconfigs live on a host: kubeadm's layout
 * (/etc/kubernetes/pki, /etc/kubernetes/*.conf), so that kubeadm, kubectl and every runbook find them where they expect.
 * The binary-mode units and the kubeadm configs name these paths; the PKI (src/pki) writes the files.
 */

export const K8S_DIR = '/etc/kubernetes';
export const PKI_DIR = `${K8S_DIR}/pki`;
export const ETCD_PKI_DIR = `${PKI_DIR}/etcd`;

export const PKI_PATHS = {
  caCert: `${PKI_DIR}/ca.crt`,
  caKey: `${PKI_DIR}/ca.key`,
  apiserverCert: `${PKI_DIR}/apiserver.crt`,
  apiserverKey: `${PKI_DIR}/apiserver.key`,
  apiserverKubeletClientCert: `${PKI_DIR}/apiserver-kubelet-client.crt`,
  apiserverKubeletClientKey: `${PKI_DIR}/apiserver-kubelet-client.key`,
  apiserverEtcdClientCert: `${PKI_DIR}/apiserver-etcd-client.crt`,
  apiserverEtcdClientKey: `${PKI_DIR}/apiserver-etcd-client.key`,
  frontProxyCaCert: `${PKI_DIR}/front-proxy-ca.crt`,
  frontProxyClientCert: `${PKI_DIR}/front-proxy-client.crt`,
  frontProxyClientKey: `${PKI_DIR}/front-proxy-client.key`,
  serviceAccountKey: `${PKI_DIR}/sa.key`,
  serviceAccountPub: `${PKI_DIR}/sa.pub`,
  etcdCaCert: `${ETCD_PKI_DIR}/ca.crt`,
  etcdServerCert: `${ETCD_PKI_DIR}/server.crt`,
  etcdServerKey: `${ETCD_PKI_DIR}/server.key`,
  etcdPeerCert: `${ETCD_PKI_DIR}/peer.crt`,
  etcdPeerKey: `${ETCD_PKI_DIR}/peer.key`,
  etcdHealthcheckClientCert: `${ETCD_PKI_DIR}/healthcheck-client.crt`,
  etcdHealthcheckClientKey: `${ETCD_PKI_DIR}/healthcheck-client.key`,
} as const;

export const KUBECONFIG_PATHS = {
  admin: `${K8S_DIR}/admin.conf`,
  controllerManager: `${K8S_DIR}/controller-manager.conf`,
  scheduler: `${K8S_DIR}/scheduler.conf`,
} as const;

/**
 * The cluster CA on a load-balancer host (the PKI installs it there: src/pki/paths.ts HAPROXY_CA_FILE, same value):
 * HAProxy's health check verifies each apiserver's certificate against it (`ca-file`). Read when HAProxy loads its
 * config (before its chroot), so it must be in place before haproxy.cfg is validated (`haproxy -c`).
 */
export const LB_CA_CERT = '/etc/haproxy/kube-ca.crt';

/** Config files of kube-apiserver that kubeha renders (binary mode), beside the PKI. */
export const APISERVER_CONFIG_PATHS = {
  authentication: `${K8S_DIR}/authentication-config.yaml`,
  encryption: `${K8S_DIR}/encryption-config.yaml`,
  auditPolicy: `${K8S_DIR}/audit-policy.yaml`,
} as const;

export const AUDIT_LOG = '/var/log/kubernetes/audit/audit.log';
export const ETCD_DATA_DIR = '/var/lib/etcd';
