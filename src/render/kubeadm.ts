import type { ClusterSpec, Host, Secrets } from '../cluster-spec/types.js';
import { hostsWithRole } from '../cluster-spec/types.js';
import { ANONYMOUS_PATHS, AUDIT_MAX_AGE_DAYS, AUDIT_MAX_BACKUPS, AUDIT_MAX_SIZE_MB, etcdClientUrls, renderAuditPolicy, renderAuthenticationConfig, renderEncryptionConfig } from './control-plane.js';
import { APISERVER_CONFIG_PATHS, AUDIT_LOG, ETCD_DATA_DIR, K8S_DIR, PKI_DIR, PKI_PATHS } from './k8s-paths.js';
import type { KubeadmRun, RenderMaterial, RenderedFile } from './types.js';
import { header, lbHosts } from './util.js';

/**
 * kubeadm mode (`controlPlane.mode: kubeadm`): the configs `kubeadm init` (first control-plane host) and
 * `kubeadm join --control-plane` (the others) read, in kubeadm.k8s.io/v1beta4 (kubeadm 1.31+). kubeha renders and
 * validates them (`kubeadm config validate`); running kubeadm is a separate step (docs/render.md says what runs).
 * The certificates are kubeha's, already at kubeadm's paths when kubeadm runs: kubeadm uses certificates it finds
 * there, so every master shares one CA without `--upload-certs`.
 */

export const KUBEADM_DIR = `${K8S_DIR}/kubeadm`;
export const KUBEADM_INIT = `${KUBEADM_DIR}/init.yaml`;
export const KUBEADM_JOIN = `${KUBEADM_DIR}/join.yaml`;
/** File discovery for `kubeadm join`: the endpoint and the cluster CA, no credentials. */
export const KUBEADM_DISCOVERY = `${KUBEADM_DIR}/discovery.conf`;
export const KUBEADM_API_VERSION = 'kubeadm.k8s.io/v1beta4';
/** Secret (state directory) holding the bootstrap token: `[a-z0-9]{6}.[a-z0-9]{16}`. */
export const BOOTSTRAP_TOKEN_SECRET = 'kubeadm-bootstrap-token';
export const CRI_SOCKET = 'unix:///var/run/containerd/containerd.sock';
/** Written by `kubeadm init` and `kubeadm join --control-plane` (control-plane phase). */
export const KUBEADM_APISERVER_MANIFEST = `${K8S_DIR}/manifests/kube-apiserver.yaml`;
/** Written once the kubelet was started with its credentials (kubelet-start phase), late in init and join. */
export const KUBEADM_KUBELET_CONF = `${K8S_DIR}/kubelet.conf`;

export const isKubeadmMode = (spec: ClusterSpec): boolean => spec.controlPlane.installer === 'kubeadm';

/** `host:port` clients use: the endpoint's domain when there is one, else its address. */
export function controlPlaneEndpoint(spec: ClusterSpec): string {
  const ep = spec.controlPlane.endpoint;
  return `${ep.domain ?? ep.address}:${ep.port}`;
}

/**
 * Every name and address the apiserver can be reached by besides what kubeadm adds itself (its own address, the
 * first service IP, kubernetes.default.svc…): the endpoint (address and domain), the VIP, each LB host, every
 * control-plane host, loopback, and the spec's extra certSANs.
 */
export function apiserverCertSans(spec: ClusterSpec): string[] {
  const ep = spec.controlPlane.endpoint;
  return [
    ...new Set(
      [ep.address, ep.domain, spec.loadBalancer.vip, ...lbHosts(spec).map((h) => h.address), ...hostsWithRole(spec, 'control-plane').map((h) => h.address), '127.0.0.1', 'localhost', ...spec.controlPlane.certSANs].filter(
        (s): s is string => typeof s === 'string' && s !== '',
      ),
    ),
  ];
}

const q = (s: string): string => JSON.stringify(s);
const arg = (name: string, value: string | number): string[] => [`    - name: ${name}`, `      value: ${q(String(value))}`];
const mount = (name: string, path: string, type: 'File' | 'DirectoryOrCreate', readOnly: boolean): string[] => [
  `    - name: ${name}`,
  `      hostPath: ${path}`,
  `      mountPath: ${path}`,
  `      readOnly: ${readOnly}`,
  `      pathType: ${type}`,
];

function clusterConfiguration(spec: ClusterSpec): string[] {
  const etcd =
    spec.etcd.type === 'external'
      ? [
          'etcd:',
          '  # An existing etcd cluster, reached with the apiserver\'s etcd client certificate.',
          '  external:',
          '    endpoints:',
          ...etcdClientUrls(spec).map((u) => `      - ${u}`),
          `    caFile: ${PKI_PATHS.etcdCaCert}`,
          `    certFile: ${PKI_PATHS.apiserverEtcdClientCert}`,
          `    keyFile: ${PKI_PATHS.apiserverEtcdClientKey}`,
        ]
      : ['etcd:', '  # Stacked: a member on every control-plane host, run by kubeadm as a static pod.', '  local:', `    dataDir: ${ETCD_DATA_DIR}`];
  const auditDir = AUDIT_LOG.replace(/\/[^/]+$/, '');
  return [
    `apiVersion: ${KUBEADM_API_VERSION}`,
    'kind: ClusterConfiguration',
    `clusterName: ${spec.name}`,
    `kubernetesVersion: ${spec.controlPlane.version}`,
    '# Clients, kubelets and `kubeadm join` reach the API through the load balancer, never one master.',
    `controlPlaneEndpoint: ${q(controlPlaneEndpoint(spec))}`,
    `certificatesDir: ${PKI_DIR}`,
    'networking:',
    `  dnsDomain: ${spec.network.dnsDomain}`,
    `  serviceSubnet: ${spec.network.serviceCIDR}`,
    `  podSubnet: ${spec.network.podCIDR}`,
    ...etcd,
    'apiServer:',
    '  # Every name the endpoint can be reached by (kubeadm adds the host\'s own address and the in-cluster names).',
    '  certSANs:',
    ...apiserverCertSans(spec).map((s) => `    - ${q(s)}`),
    `  # As in binary mode: anonymous only on ${ANONYMOUS_PATHS.join(', ')}, Secrets encrypted at rest, audit log with rotation.`,
    '  extraArgs:',
    ...arg('authentication-config', APISERVER_CONFIG_PATHS.authentication),
    ...arg('encryption-provider-config', APISERVER_CONFIG_PATHS.encryption),
    ...arg('audit-policy-file', APISERVER_CONFIG_PATHS.auditPolicy),
    ...arg('audit-log-path', AUDIT_LOG),
    ...arg('audit-log-maxage', AUDIT_MAX_AGE_DAYS),
    ...arg('audit-log-maxbackup', AUDIT_MAX_BACKUPS),
    ...arg('audit-log-maxsize', AUDIT_MAX_SIZE_MB),
    ...arg('profiling', 'false'),
    '  # The static pod sees only /etc/kubernetes/pki of the host: mount the config files and the audit log directory.',
    '  extraVolumes:',
    ...mount('authentication-config', APISERVER_CONFIG_PATHS.authentication, 'File', true),
    ...mount('encryption-config', APISERVER_CONFIG_PATHS.encryption, 'File', true),
    ...mount('audit-policy', APISERVER_CONFIG_PATHS.auditPolicy, 'File', true),
    ...mount('audit-log', auditDir, 'DirectoryOrCreate', false),
    'controllerManager:',
    '  extraArgs:',
    ...arg('profiling', 'false'),
    'scheduler:',
    '  extraArgs:',
    ...arg('profiling', 'false'),
  ];
}

function nodeRegistration(host: Host): string[] {
  return ['nodeRegistration:', `  name: ${host.name}`, `  criSocket: ${CRI_SOCKET}`];
}

function localEndpoint(spec: ClusterSpec, host: Host, indent: string): string[] {
  return [`${indent}localAPIEndpoint:`, `${indent}  advertiseAddress: ${host.address}`, `${indent}  bindPort: ${spec.controlPlane.apiserverPort}`];
}

function bootstrapToken(secrets: Secrets): string {
  const token = secrets[BOOTSTRAP_TOKEN_SECRET];
  if (token === undefined || !/^[a-z0-9]{6}\.[a-z0-9]{16}$/.test(token)) throw new Error(`secret "${BOOTSTRAP_TOKEN_SECRET}" (kubeadm bootstrap token) is missing or not [a-z0-9]{6}.[a-z0-9]{16}`);
  return token;
}

/** init.yaml of the first control-plane host: InitConfiguration + ClusterConfiguration. */
export function renderKubeadmInit(spec: ClusterSpec, host: Host, secrets: Secrets): string {
  return [
    header(spec, host.name),
    `# kubeadm init --config ${KUBEADM_INIT}   (on ${host.name}, the first control-plane host)`,
    `apiVersion: ${KUBEADM_API_VERSION}`,
    'kind: InitConfiguration',
    '# The token the other control-plane hosts join with (a secret of the state directory, 24 h).',
    'bootstrapTokens:',
    `  - token: ${q(bootstrapToken(secrets))}`,
    '    description: kubeha control-plane join',
    '    ttl: 24h0m0s',
    '    groups:',
    '      - system:bootstrappers:kubeadm:default-node-token',
    '    usages:',
    '      - signing',
    '      - authentication',
    ...localEndpoint(spec, host, ''),
    ...nodeRegistration(host),
    '---',
    ...clusterConfiguration(spec),
    '',
  ].join('\n');
}

/** join.yaml of every other control-plane host: JoinConfiguration with a control-plane section. */
export function renderKubeadmJoin(spec: ClusterSpec, host: Host, secrets: Secrets): string {
  return [
    header(spec, host.name),
    `# kubeadm join --config ${KUBEADM_JOIN}   (on ${host.name}, after kubeadm init on the first control-plane host)`,
    `apiVersion: ${KUBEADM_API_VERSION}`,
    'kind: JoinConfiguration',
    ...nodeRegistration(host),
    '# A control-plane member: its own apiserver (and, stacked, etcd member) on its own address.',
    'controlPlane:',
    ...localEndpoint(spec, host, '  '),
    '# File discovery: the endpoint and the cluster CA from a kubeconfig without credentials (kubeha\'s CA is already on',
    '# every master); the bootstrap token authenticates the kubelet\'s first certificate request.',
    'discovery:',
    '  file:',
    `    kubeConfigPath: ${KUBEADM_DISCOVERY}`,
    `  tlsBootstrapToken: ${q(bootstrapToken(secrets))}`,
    '',
  ].join('\n');
}

/** The discovery kubeconfig: the endpoint and the cluster CA, no user. */
export function renderDiscoveryKubeconfig(spec: ClusterSpec, host: Host, caPem: string): string {
  return [
    header(spec, host.name),
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `  - name: ${spec.name}`,
    '    cluster:',
    `      server: ${q(`https://${controlPlaneEndpoint(spec)}`)}`,
    `      certificate-authority-data: ${Buffer.from(caPem).toString('base64')}`,
    'contexts: []',
    'users: []',
    '',
  ].join('\n');
}

/**
 * What apply runs with kubeadm on a host (kubeadm mode, control-plane hosts): `init` on the first control-plane host
 * of the spec, `join` on the others.
 */
export function kubeadmRun(spec: ClusterSpec, host: Host): KubeadmRun | undefined {
  if (!isKubeadmMode(spec) || !host.roles.includes('control-plane')) return undefined;
  const first = hostsWithRole(spec, 'control-plane')[0]?.name === host.name;
  const addr = host.address.includes(':') ? `[${host.address}]` : host.address;
  return { action: first ? 'init' : 'join', config: first ? KUBEADM_INIT : KUBEADM_JOIN, readyz: `https://${addr}:${spec.controlPlane.apiserverPort}/readyz`, criSocket: CRI_SOCKET, version: spec.controlPlane.version };
}

/** What one control-plane host gets in kubeadm mode: its kubeadm config and the apiserver's config files. */
export function renderKubeadmHost(spec: ClusterSpec, host: Host, secrets: Secrets, material: RenderMaterial): RenderedFile[] {
  if (!isKubeadmMode(spec) || !host.roles.includes('control-plane')) return [];
  const first = hostsWithRole(spec, 'control-plane')[0]?.name === host.name;
  const files: RenderedFile[] = [
    first
      ? { path: KUBEADM_INIT, content: renderKubeadmInit(spec, host, secrets), mode: 0o600, secret: true }
      : { path: KUBEADM_JOIN, content: renderKubeadmJoin(spec, host, secrets), mode: 0o600, secret: true },
    { path: APISERVER_CONFIG_PATHS.authentication, content: renderAuthenticationConfig(spec, host), mode: 0o644 },
    { path: APISERVER_CONFIG_PATHS.auditPolicy, content: renderAuditPolicy(spec, host), mode: 0o644 },
    { path: APISERVER_CONFIG_PATHS.encryption, content: renderEncryptionConfig(spec, host, secrets), mode: 0o600, secret: true },
  ];
  if (!first && material.clusterCaCert !== undefined) files.push({ path: KUBEADM_DISCOVERY, content: renderDiscoveryKubeconfig(spec, host, material.clusterCaCert), mode: 0o644 });
  return files;
}
