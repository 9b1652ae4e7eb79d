import type { ClusterSpec, Host, Secrets } from '../cluster-spec/types.js';
import type { RenderMaterial, RenderedFile, RenderedHost } from './types.js';
import { CHECK_HAPROXY_SCRIPT, renderCheckHaproxyScript } from './check-scripts.js';
import { HAPROXY_CFG, renderHaproxyCfg } from './haproxy.js';
import { HOSTS_FILE, hostsMarkers, renderHostsBlock } from './hosts-file.js';
import { KEEPALIVED_CONF, renderKeepalivedConf } from './keepalived.js';
import { SYSCTL_FILE, renderSysctl } from './sysctl.js';
import { HAPROXY_DROPIN, KEEPALIVED_DROPIN, renderHaproxyDropin, renderKeepalivedDropin } from './systemd.js';
import { apiservers, lbHosts } from './util.js';
import { ENCRYPTION_KEY_SECRET, isBinaryMode, renderControlPlaneHost } from './control-plane.js';
import { BOOTSTRAP_TOKEN_SECRET, isKubeadmMode, kubeadmRun, renderKubeadmHost } from './kubeadm.js';

export { lbHosts } from './util.js';

/**
 * Whether the load-balancer hosts get the cluster CA (at LB_CA_CERT), so that HAProxy verifies each apiserver: when
 * kubeha runs the control plane itself (binary mode), its PKI issues the apiservers' certificates and installs the CA
 * there (src/pki/files.ts). Other modes' apiservers have certificates kubeha does not know: the check reads only the status.
 */
export function lbGetsClusterCa(spec: ClusterSpec): boolean {
  return isBinaryMode(spec) && spec.hosts.some((h) => h.roles.includes('control-plane'));
}

/**
 * What a secret holds, so that the shell generates and checks it right: `vrrp-password` 1-8 printable characters
 * (keepalived uses 8); `key-32` 32 random bytes, base64 (an encryption-at-rest key); `bootstrap-token` a kubeadm
 * bootstrap token, `[a-z0-9]{6}.[a-z0-9]{16}`.
 */
export type SecretKind = 'vrrp-password' | 'key-32' | 'bootstrap-token';

export interface SecretNeed {
  name: string;
  kind: SecretKind;
}

/** The secrets `renderCluster` needs for this spec, with their kind (the shell generates the missing ones). */
export function secretNeeds(spec: ClusterSpec): SecretNeed[] {
  const out: SecretNeed[] = [];
  if (spec.loadBalancer.mode !== 'external' && spec.loadBalancer.vrrpVersion === 2) out.push({ name: spec.loadBalancer.authSecret, kind: 'vrrp-password' });
  const controlPlane = spec.hosts.some((h) => h.roles.includes('control-plane'));
  if ((isBinaryMode(spec) || isKubeadmMode(spec)) && controlPlane) out.push({ name: ENCRYPTION_KEY_SECRET, kind: 'key-32' });
  if (isKubeadmMode(spec) && controlPlane) out.push({ name: BOOTSTRAP_TOKEN_SECRET, kind: 'bootstrap-token' });
  return out;
}

/** Stand-ins of the right shape for every secret the spec needs: for renders whose secret values never leave (analysis, package lists). */
export function placeholderSecrets(spec: ClusterSpec): Secrets {
  const shape: Readonly<Record<SecretKind, string>> = {
    'vrrp-password': 'analysis',
    'key-32': Buffer.alloc(32).toString('base64'),
    'bootstrap-token': 'abcdef.0123456789abcdef',
  };
  return Object.fromEntries(secretNeeds(spec).map((n) => [n.name, shape[n.kind]]));
}

/** Names of the secrets `renderCluster` needs for this spec. */
export function requiredSecrets(spec: ClusterSpec): string[] {
  return secretNeeds(spec).map((n) => n.name);
}

/**
 * Every file kubeha wants on every host of the cluster, in spec order; each host's files in install order (files that
 * validated configs refer to first, then the configs with `validate`), by path within each group.
 * Pure: the same spec and secrets always give the same bytes.
 * @throws Error when a secret named by `requiredSecrets(spec)` is missing or unusable.
 */
export function renderCluster(spec: ClusterSpec, secrets: Secrets, material: RenderMaterial = {}): RenderedHost[] {
  const lbs = lbHosts(spec);
  const lbNames = new Set(lbs.map((h) => h.name));
  return spec.hosts.map((host) => renderHost(spec, host, lbNames.has(host.name) ? lbs.filter((p) => p.name !== host.name) : undefined, secrets, material));
}

function renderHost(spec: ClusterSpec, host: Host, peers: Host[] | undefined, secrets: Secrets, material: RenderMaterial): RenderedHost {
  const isLb = peers !== undefined;
  const files: RenderedFile[] = [];
  if (peers !== undefined) {
    const vrrpv2 = spec.loadBalancer.vrrpVersion === 2;
    files.push(
      {
        path: HAPROXY_CFG,
        content: renderHaproxyCfg(spec, host, { clusterCa: lbGetsClusterCa(spec) }),
        mode: 0o644,
        validate: 'haproxy',
        // master-worker reload: new workers take new connections, old ones finish theirs (hitless).
        reloads: { unit: 'haproxy.service', action: 'reload' },
      },
      {
        path: KEEPALIVED_CONF,
        content: renderKeepalivedConf(spec, host, peers, secrets),
        // VRRPv2 carries the auth secret: readable by root only.
        mode: vrrpv2 ? 0o600 : 0o644,
        validate: 'keepalived',
        // SIGHUP re-reads the config and keeps the current VRRP state (no VIP move).
        reloads: { unit: 'keepalived.service', action: 'reload' },
        ...(vrrpv2 ? { secret: true } : {}),
      },
      // enable_script_security: root-owned, not writable by anyone else.
      { path: CHECK_HAPROXY_SCRIPT, content: renderCheckHaproxyScript(spec, host), mode: 0o755 },
      { path: HAPROXY_DROPIN, content: renderHaproxyDropin(spec, host), mode: 0o644, daemonReload: true },
      { path: KEEPALIVED_DROPIN, content: renderKeepalivedDropin(spec, host), mode: 0o644, daemonReload: true },
    );
  }
  const cp = renderControlPlaneHost(spec, host, secrets);
  files.push(...cp.files, ...renderKubeadmHost(spec, host, secrets, material));
  const sysctl = renderSysctl(spec, host, isLb);
  if (sysctl !== undefined) files.push({ path: SYSCTL_FILE, content: sysctl, mode: 0o644, appliesSysctl: true });
  const hostsBlock = renderHostsBlock(spec, host);
  if (hostsBlock !== undefined) files.push({ path: HOSTS_FILE, content: hostsBlock, mode: 0o644, managedBlock: hostsMarkers(spec) });
  // Install order: files a validated config refers to (the check script) before the configs, so that
  // `keepalived -t` on the host finds the script; by path within each group.
  const rank = (f: RenderedFile): number => (f.validate ? 1 : 0);
  files.sort((a, b) => rank(a) - rank(b) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const isNode = host.roles.includes('control-plane') || host.roles.includes('worker');
  const kubeadm = kubeadmRun(spec, host);
  return {
    host: host.name,
    address: host.address,
    packages: [...(isLb ? ['haproxy', 'keepalived'] : []), ...(isNode ? spec.controlPlane.nodePackages : []), ...cp.packages],
    services: [...(isLb ? ['haproxy.service', 'keepalived.service'] : []), ...cp.services],
    files,
    ...(kubeadm ? { kubeadm } : {}),
  };
}

/**
 * `hosts.yaml` at the root of a mirror directory (the layout `kubeha render --out` writes and `kubeha analyze` reads):
 * the endpoint clients use and every host's name and address.
 */
export function renderMirrorManifest(spec: ClusterSpec): string {
  const ep = spec.controlPlane.endpoint;
  const apiPort = spec.controlPlane.apiserverPort;
  const lb = spec.loadBalancer;
  const lines = [
    `# kubeha mirror of cluster "${spec.name}": each host's files are under ./<name>/ at their real paths.`,
    `endpoint: ${yamlScalar(`${ep.address}:${ep.port}`)}`,
    // The name kubeconfigs use; each host resolves it through its own /etc/hosts (the kubeha block).
    ...(ep.domain ? [`domain: ${yamlScalar(ep.domain)}`] : []),
    'hosts:',
    ...spec.hosts.flatMap((h) => [
      `  - name: ${yamlScalar(h.name)}`,
      `    address: ${yamlScalar(h.address)}`,
      // The port its kube-apiserver listens on (no config file in the mirror says so).
      ...(h.roles.includes('control-plane') ? [`    apiserver: ${apiPort}`] : []),
    ]),
  ];
  if (lb.mode === 'external')
    lines.push(
      '# The cloud or hardware load balancer in front of the apiservers (kubeha renders no config for it).',
      'externalLb:',
      `  address: ${yamlScalar(lb.vip)}`,
      `  port: ${lb.port}`,
      `  hairpin: ${lb.hairpin}`,
      '  healthCheck: true',
      '  backends:',
      ...apiservers(spec).map((m) => `    - ${yamlScalar(`${m.address}:${apiPort}`)}`),
    );
  return lines.join('\n') + '\n';
}

/** Quotes a scalar when YAML would read it as something else (an IPv6 address, a number-like name). */
function yamlScalar(s: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*(:[0-9]+)?$/.test(s) && !/^[0-9.]+$/.test(s) ? s : JSON.stringify(s);
}
