import type { ClusterSpec, Host, Secrets } from '../cluster-spec/types.js';
import { hostsWithRole } from '../cluster-spec/types.js';
import { BINARY_DIR, CONTROL_PLANE_PACKAGES, CONTROL_PLANE_UNITS, ETCD_USER } from './control-plane-packages.js';
import { APISERVER_CONFIG_PATHS, AUDIT_LOG, ETCD_DATA_DIR, KUBECONFIG_PATHS, PKI_PATHS } from './k8s-paths.js';
import type { RenderedFile } from './types.js';
import { header } from './util.js';

/**
 * Binary mode (`controlPlane.mode: binary`): etcd, kube-apiserver, kube-controller-manager and kube-scheduler as
 * systemd units running the upstream binaries, no container runtime. Each unit's flags carry the cluster's facts
 * (members, addresses, ports, ranges); certificates and kubeconfigs are read at kubeadm's paths (./k8s-paths.ts).
 * docs/render.md says why each flag is there.
 */

export const UNIT_DIR = '/etc/systemd/system';
export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;
/** etcd's /metrics and /health over plain HTTP, loopback only (kubeadm's choice), for probes without a client cert. */
export const ETCD_METRICS_PORT = 2381;
/** Secret (state directory) holding the key that encrypts Secrets at rest: 32 random bytes, base64. */
export const ENCRYPTION_KEY_SECRET = 'encryption-key';
/** Paths anonymous requests may reach: HAProxy's and kubelets' health probes, nothing else. */
export const ANONYMOUS_PATHS = ['/livez', '/readyz', '/healthz'] as const;
export const AUDIT_MAX_AGE_DAYS = 30;
export const AUDIT_MAX_BACKUPS = 10;
export const AUDIT_MAX_SIZE_MB = 100;

/** Whether this spec runs the control plane as kubeha's own units. */
export const isBinaryMode = (spec: ClusterSpec): boolean => spec.controlPlane.installer === 'binary';

/** The stacked etcd members (hosts with role etcd), in spec order; none with external etcd. */
export function etcdMembers(spec: ClusterSpec): Host[] {
  return spec.etcd.type === 'stacked' ? hostsWithRole(spec, 'etcd') : [];
}

/** Every etcd member's client URL: the stacked members', or the external cluster's endpoints. */
export function etcdClientUrls(spec: ClusterSpec): string[] {
  return spec.etcd.type === 'stacked' ? etcdMembers(spec).map((h) => `https://${h.address}:${ETCD_CLIENT_PORT}`) : [...spec.etcd.endpoints];
}

/** `name=https://address:2380,…`: etcd's --initial-cluster. */
export function initialCluster(spec: ClusterSpec): string {
  return etcdMembers(spec)
    .map((h) => `${h.name}=https://${h.address}:${ETCD_PEER_PORT}`)
    .join(',');
}

/** The service account issuer kubeadm uses: the in-cluster name of the API. */
export const serviceAccountIssuer = (spec: ClusterSpec): string => `https://kubernetes.default.svc.${spec.network.dnsDomain}`;

function execStart(binary: string, flags: readonly string[]): string {
  return [`ExecStart=${BINARY_DIR}/${binary} \\`, ...flags.map((f, i) => `  ${f}${i === flags.length - 1 ? '' : ' \\'}`)].join('\n');
}

/** The [Service] lines every control-plane unit shares: restart forever, enough file descriptors. */
const RESTART = [
  '# Restart whatever way it died, forever (StartLimitIntervalSec=0 in [Unit]), 2 s apart: no spinning on a broken flag.',
  'Restart=always',
  'RestartSec=2s',
  '# Many watches and peer connections: the default soft limit (1024) is far too low.',
  'LimitNOFILE=1048576',
];

export function renderEtcdUnit(spec: ClusterSpec, host: Host): string {
  const me = `https://${host.address}`;
  const flags = [
    `--name=${host.name}`,
    `--data-dir=${ETCD_DATA_DIR}`,
    `--listen-client-urls=${me}:${ETCD_CLIENT_PORT},https://127.0.0.1:${ETCD_CLIENT_PORT}`,
    `--advertise-client-urls=${me}:${ETCD_CLIENT_PORT}`,
    `--listen-peer-urls=${me}:${ETCD_PEER_PORT}`,
    `--initial-advertise-peer-urls=${me}:${ETCD_PEER_PORT}`,
    `--initial-cluster=${initialCluster(spec)}`,
    `--initial-cluster-token=kubeha-${spec.name}`,
    '--initial-cluster-state=new',
    `--listen-metrics-urls=http://127.0.0.1:${ETCD_METRICS_PORT}`,
    '--client-cert-auth=true',
    `--trusted-ca-file=${PKI_PATHS.etcdCaCert}`,
    `--cert-file=${PKI_PATHS.etcdServerCert}`,
    `--key-file=${PKI_PATHS.etcdServerKey}`,
    '--peer-client-cert-auth=true',
    `--peer-trusted-ca-file=${PKI_PATHS.etcdCaCert}`,
    `--peer-cert-file=${PKI_PATHS.etcdPeerCert}`,
    `--peer-key-file=${PKI_PATHS.etcdPeerKey}`,
    '--snapshot-count=10000',
  ];
  return [
    header(spec, host.name),
    '[Unit]',
    `Description=etcd member ${host.name} of cluster ${spec.name} (kubeha)`,
    'Documentation=https://etcd.io/docs/',
    '# Peers and clients reach the member on its address: start once the network is up.',
    'After=network-online.target',
    'Wants=network-online.target',
    'StartLimitIntervalSec=0',
    '',
    '[Service]',
    '# etcd tells systemd when it serves clients, i.e. once the member joined a quorum: a lone member of a new cluster',
    '# waits for its peers, so members are started together (systemctl --no-block), never one blocking start after another.',
    'Type=notify',
    '# Its own unprivileged user (created by the kubeha-etcd package) owns the data and reads its keys (0600, owner etcd).',
    `User=${ETCD_USER}`,
    `Group=${ETCD_USER}`,
    `# ${ETCD_DATA_DIR}, created by systemd for that user, readable by nobody else.`,
    'StateDirectory=etcd',
    'StateDirectoryMode=0700',
    '# Clients only on its own address and loopback (never 0.0.0.0); peers with mutual TLS; every client presents a',
    '# certificate of the etcd CA. --initial-cluster* are read only on the first start, with an empty data dir: a rerun',
    '# keeps the member; a member whose data was lost must be removed and re-added (etcdctl member remove/add) and',
    '# started with --initial-cluster-state=existing (docs/render.md).',
    execStart('etcd', flags),
    ...RESTART,
    '# A member that is stopped must not hang apply: etcd flushes and exits within seconds.',
    'TimeoutStopSec=30s',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/**
 * How long kube-apiserver keeps serving after SIGTERM while /readyz already fails (`--shutdown-delay-duration`): long
 * enough for HAProxy's check to mark it DOWN first, so that a restart (certs renew, an upgrade) drops no request.
 * HAProxy needs `fall` failed checks `inter` apart, plus up to one `inter` until the first check after the signal:
 * (fall + 1) × inter, plus 2 s for a check's own latency on a busy host; whole seconds, at least 5 s.
 */
export function apiserverShutdownDelaySeconds(spec: ClusterSpec): number {
  const hc = spec.loadBalancer.healthCheck;
  return Math.max(5, Math.ceil(((hc.fall + 1) * hc.interMs) / 1000 + 2));
}

/**
 * How long a stopping apiserver waits for its watches to end after the delay (`--shutdown-watch-termination-grace-period`);
 * they end when it closes them (HAProxy no longer cuts a DOWN server's sessions: render/haproxy.ts).
 */
export const APISERVER_WATCH_GRACE_SECONDS = 10;

export function renderApiserverUnit(spec: ClusterSpec, host: Host): string {
  const shutdownDelay = apiserverShutdownDelaySeconds(spec);
  const flags = [
    `--advertise-address=${host.address}`,
    `--secure-port=${spec.controlPlane.apiserverPort}`,
    `--etcd-servers=${etcdClientUrls(spec).join(',')}`,
    `--etcd-cafile=${PKI_PATHS.etcdCaCert}`,
    `--etcd-certfile=${PKI_PATHS.apiserverEtcdClientCert}`,
    `--etcd-keyfile=${PKI_PATHS.apiserverEtcdClientKey}`,
    `--tls-cert-file=${PKI_PATHS.apiserverCert}`,
    `--tls-private-key-file=${PKI_PATHS.apiserverKey}`,
    '--tls-min-version=VersionTLS12',
    `--client-ca-file=${PKI_PATHS.caCert}`,
    `--kubelet-client-certificate=${PKI_PATHS.apiserverKubeletClientCert}`,
    `--kubelet-client-key=${PKI_PATHS.apiserverKubeletClientKey}`,
    '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname',
    '--authorization-mode=Node,RBAC',
    '--enable-admission-plugins=NodeRestriction',
    `--authentication-config=${APISERVER_CONFIG_PATHS.authentication}`,
    '--enable-bootstrap-token-auth=true',
    `--service-account-issuer=${serviceAccountIssuer(spec)}`,
    `--service-account-key-file=${PKI_PATHS.serviceAccountPub}`,
    `--service-account-signing-key-file=${PKI_PATHS.serviceAccountKey}`,
    `--service-cluster-ip-range=${spec.network.serviceCIDR}`,
    `--requestheader-client-ca-file=${PKI_PATHS.frontProxyCaCert}`,
    '--requestheader-allowed-names=front-proxy-client',
    '--requestheader-username-headers=X-Remote-User',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    `--proxy-client-cert-file=${PKI_PATHS.frontProxyClientCert}`,
    `--proxy-client-key-file=${PKI_PATHS.frontProxyClientKey}`,
    `--encryption-provider-config=${APISERVER_CONFIG_PATHS.encryption}`,
    `--audit-policy-file=${APISERVER_CONFIG_PATHS.auditPolicy}`,
    `--audit-log-path=${AUDIT_LOG}`,
    `--audit-log-maxage=${AUDIT_MAX_AGE_DAYS}`,
    `--audit-log-maxbackup=${AUDIT_MAX_BACKUPS}`,
    `--audit-log-maxsize=${AUDIT_MAX_SIZE_MB}`,
    '--endpoint-reconciler-type=lease',
    '--allow-privileged=true',
    '--profiling=false',
    `--shutdown-delay-duration=${shutdownDelay}s`,
    `--shutdown-watch-termination-grace-period=${APISERVER_WATCH_GRACE_SECONDS}s`,
  ];
  return [
    header(spec, host.name),
    '[Unit]',
    `Description=kube-apiserver ${host.name} of cluster ${spec.name} (kubeha)`,
    'Documentation=https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/',
    '# It talks to every etcd member, not only a local one: ordered after a local member when there is one, never',
    '# bound to it (Requires=) so that losing the local member does not stop this apiserver.',
    'After=network-online.target etcd.service',
    'Wants=network-online.target',
    'StartLimitIntervalSec=0',
    '',
    '[Service]',
    'Type=simple',
    '# Every flag and its reason: docs/render.md ("kube-apiserver"). In short: advertises its own address behind the',
    '# load balancer; every etcd member over mutual TLS; Node + RBAC authorization; anonymous requests only on',
    `# ${ANONYMOUS_PATHS.join(', ')} (--authentication-config); Secrets encrypted at rest; audit log with rotation;`,
    '# the list of apiservers kept by leases (a dead one leaves the kubernetes Service within 15 s).',
    '# On SIGTERM (a restart) it fails /readyz but keeps serving for --shutdown-delay-duration, until the load',
    "# balancer's check has taken it out (longer than HAProxy's (fall + 1) x inter), then drains; stopping may take",
    '# that delay, the watch grace and in-flight requests: TimeoutStopSec leaves room before systemd kills it.',
    execStart('kube-apiserver', flags),
    ...RESTART,
    `TimeoutStopSec=${shutdownDelay + APISERVER_WATCH_GRACE_SECONDS + 60}s`,
    `# ${AUDIT_LOG.replace(/\/[^/]+$/, '')}, readable by root only (the audit log names users and resources).`,
    'LogsDirectory=kubernetes/audit',
    'LogsDirectoryMode=0700',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** kube-controller-manager and kube-scheduler: loopback only, leader election, their own kubeconfig. */
export function renderControllerManagerUnit(spec: ClusterSpec, host: Host): string {
  const kubeconfig = KUBECONFIG_PATHS.controllerManager;
  const flags = [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    '--leader-elect=true',
    `--cluster-name=${spec.name}`,
    `--client-ca-file=${PKI_PATHS.caCert}`,
    `--requestheader-client-ca-file=${PKI_PATHS.frontProxyCaCert}`,
    `--root-ca-file=${PKI_PATHS.caCert}`,
    `--cluster-signing-cert-file=${PKI_PATHS.caCert}`,
    `--cluster-signing-key-file=${PKI_PATHS.caKey}`,
    `--service-account-private-key-file=${PKI_PATHS.serviceAccountKey}`,
    '--use-service-account-credentials=true',
    '--controllers=*,bootstrapsigner,tokencleaner',
    '--allocate-node-cidrs=true',
    `--cluster-cidr=${spec.network.podCIDR}`,
    `--service-cluster-ip-range=${spec.network.serviceCIDR}`,
    '--profiling=false',
  ];
  return leaderUnit(spec, host, 'kube-controller-manager', flags, [
    '# One active controller manager in the cluster (leader election on a Lease in kube-system); the others wait.',
    '# Signs kubelet certificates with the cluster CA, runs each controller with its own service account, and gives',
    '# nodes their pod ranges from network.podCIDR. Health and metrics on 127.0.0.1:10257 only.',
  ]);
}

export function renderSchedulerUnit(spec: ClusterSpec, host: Host): string {
  const kubeconfig = KUBECONFIG_PATHS.scheduler;
  const flags = [`--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`, '--bind-address=127.0.0.1', '--leader-elect=true', '--profiling=false'];
  return leaderUnit(spec, host, 'kube-scheduler', flags, ['# One active scheduler in the cluster (leader election); health and metrics on 127.0.0.1:10259 only.']);
}

function leaderUnit(spec: ClusterSpec, host: Host, binary: string, flags: string[], why: string[]): string {
  return [
    header(spec, host.name),
    '[Unit]',
    `Description=${binary} ${host.name} of cluster ${spec.name} (kubeha)`,
    `Documentation=https://kubernetes.io/docs/reference/command-line-tools-reference/${binary}/`,
    '# Talks to the API through its kubeconfig; started after the local apiserver, and keeps running (retrying) while',
    '# no apiserver answers.',
    'After=network-online.target kube-apiserver.service',
    'Wants=network-online.target',
    'StartLimitIntervalSec=0',
    '',
    '[Service]',
    'Type=simple',
    ...why,
    execStart(binary, flags),
    ...RESTART,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** --authentication-config: anonymous requests allowed on the health paths only (KEP-4633, GA in 1.34). */
export function renderAuthenticationConfig(spec: ClusterSpec, host: Host): string {
  const paths = [...new Set([...ANONYMOUS_PATHS, spec.loadBalancer.healthCheck.path])];
  return [
    header(spec, host.name),
    '# Anonymous requests are authenticated (as system:anonymous) only on these paths, so that HAProxy and other probes',
    '# check /readyz without a client certificate; anywhere else they get 401, whatever RBAC grants system:anonymous.',
    '# (With `anonymous` set here, kube-apiserver refuses the --anonymous-auth flag: the unit does not set it.)',
    'apiVersion: apiserver.config.k8s.io/v1',
    'kind: AuthenticationConfiguration',
    'anonymous:',
    '  enabled: true',
    '  conditions:',
    ...paths.map((p) => `    - path: ${p}`),
    '',
  ].join('\n');
}

/** --encryption-provider-config: Secrets encrypted with secretbox (XSalsa20-Poly1305) under the cluster's key. */
export function renderEncryptionConfig(spec: ClusterSpec, host: Host, secrets: Secrets): string {
  const key = secrets[ENCRYPTION_KEY_SECRET];
  if (key === undefined || key === '') throw new Error(`secret "${ENCRYPTION_KEY_SECRET}" (encryption at rest) is missing`);
  return [
    header(spec, host.name),
    '# Secrets are written to etcd encrypted (the first provider); identity last, so Secrets written before encryption',
    '# was turned on stay readable. secretbox: XSalsa20-Poly1305, the recommended local-key provider (aescbc is',
    '# weaker). The key is the cluster\'s, from the state directory; this file is readable by root only.',
    'apiVersion: apiserver.config.k8s.io/v1',
    'kind: EncryptionConfiguration',
    'resources:',
    '  - resources:',
    '      - secrets',
    '    providers:',
    '      - secretbox:',
    '          keys:',
    '            - name: kubeha-1',
    `              secret: ${key}`,
    '      - identity: {}',
    '',
  ].join('\n');
}

/**
 * --audit-policy-file: who did what, without the noise (health checks, leader-election leases, events) and without
 * secret material (Secrets, ConfigMaps and token requests only at Metadata level: never their bodies).
 */
export function renderAuditPolicy(spec: ClusterSpec, host: Host): string {
  return [
    header(spec, host.name),
    'apiVersion: audit.k8s.io/v1',
    'kind: Policy',
    '# One event per request, when the response started (no separate RequestReceived event).',
    'omitStages:',
    '  - RequestReceived',
    'rules:',
    '  # Probes and version checks: many per second, nothing to audit.',
    '  - level: None',
    '    nonResourceURLs: ["/healthz*", "/livez*", "/readyz*", "/version"]',
    '  # Leader election renews a Lease every few seconds per component.',
    '  - level: None',
    '    verbs: ["get", "update"]',
    '    resources:',
    '      - group: coordination.k8s.io',
    '        resources: ["leases"]',
    '  # Events are themselves a record; auditing them doubles the volume.',
    '  - level: None',
    '    resources:',
    '      - group: ""',
    '        resources: ["events"]',
    '      - group: events.k8s.io',
    '        resources: ["events"]',
    '  # Secret material: who touched it, never its content.',
    '  - level: Metadata',
    '    resources:',
    '      - group: ""',
    '        resources: ["secrets", "configmaps", "serviceaccounts/token"]',
    '      - group: authentication.k8s.io',
    '        resources: ["tokenreviews", "tokenrequests"]',
    '  # Reads: who read what.',
    '  - level: Metadata',
    '    verbs: ["get", "list", "watch"]',
    '  # Every change with its request body.',
    '  - level: Request',
    '',
  ].join('\n');
}

export interface ControlPlaneRender {
  files: RenderedFile[];
  packages: string[];
  services: string[];
}

const unitFile = (unit: string, content: string): RenderedFile => ({
  path: `${UNIT_DIR}/${unit}`,
  content,
  mode: 0o644,
  daemonReload: true,
  reloads: { unit, action: 'restart' },
});

/** What one host runs of the binary-mode control plane: its etcd member and/or its control-plane components. */
export function renderControlPlaneHost(spec: ClusterSpec, host: Host, secrets: Secrets): ControlPlaneRender {
  const out: ControlPlaneRender = { files: [], packages: [], services: [] };
  if (!isBinaryMode(spec)) return out;
  if (etcdMembers(spec).some((m) => m.name === host.name)) {
    out.files.push(unitFile(CONTROL_PLANE_UNITS.etcd, renderEtcdUnit(spec, host)));
    out.packages.push(CONTROL_PLANE_PACKAGES.etcd);
    out.services.push(CONTROL_PLANE_UNITS.etcd);
  }
  if (host.roles.includes('control-plane')) {
    const apiserver = { unit: CONTROL_PLANE_UNITS.apiserver, action: 'restart' as const };
    out.files.push(
      unitFile(CONTROL_PLANE_UNITS.apiserver, renderApiserverUnit(spec, host)),
      unitFile(CONTROL_PLANE_UNITS.controllerManager, renderControllerManagerUnit(spec, host)),
      unitFile(CONTROL_PLANE_UNITS.scheduler, renderSchedulerUnit(spec, host)),
      { path: APISERVER_CONFIG_PATHS.authentication, content: renderAuthenticationConfig(spec, host), mode: 0o644, reloads: apiserver },
      { path: APISERVER_CONFIG_PATHS.auditPolicy, content: renderAuditPolicy(spec, host), mode: 0o644, reloads: apiserver },
      { path: APISERVER_CONFIG_PATHS.encryption, content: renderEncryptionConfig(spec, host, secrets), mode: 0o600, secret: true, reloads: apiserver },
    );
    out.packages.push(CONTROL_PLANE_PACKAGES.apiserver, CONTROL_PLANE_PACKAGES.controllerManager, CONTROL_PLANE_PACKAGES.scheduler);
    out.services.push(CONTROL_PLANE_UNITS.apiserver, CONTROL_PLANE_UNITS.controllerManager, CONTROL_PLANE_UNITS.scheduler);
  }
  return out;
}
