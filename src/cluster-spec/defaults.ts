import { ROLE_ALIASES, ROLES, type Role, type SpecInput } from './schema.js';
import type { ClusterSpec, Host, LoadBalancer, SshSettings } from './types.js';

/**
 * Defaults: a schema-valid SpecInput becomes a ClusterSpec with every field set. Total over
 * schema-valid input (never throws); what is wrong but well-typed is left to ./rules.ts.
 * docs/spec.md lists each default and why.
 */

/** @default values, one place. */
export const DEFAULTS = {
  /**
   * kubeadm's preflight (cmd/kubeadm/app/preflight/checks.go): conntrack (mandatory before Kubernetes 1.32), ip,
   * iptables (mandatory), ebtables, ethtool, socat, tc (warnings). KubeKey refuses to start without socat and
   * conntrack, and kube-proxy's ipvs mode needs ipset (seed 004's dependency table). Debian package names.
   */
  nodePackages: ['conntrack', 'socat', 'ebtables', 'ethtool', 'ipset', 'iptables', 'iproute2'],
  sshUser: 'root',
  sshPort: 22,
  interface: 'eth0',
  /** HAProxy frontend port on dedicated LB hosts (and external LBs): the port clients expect of an apiserver. */
  lbPortDedicated: 6443,
  /** Stacked: HAProxy shares the host with kube-apiserver, which holds 6443. */
  lbPortStacked: 8443,
  apiserverPort: 6443,
  vrrpVersion: 3 as 2 | 3,
  /**
   * VRRPv3 allows centisecond adverts: a backup takes over 3 × advert + skew after the master dies, ~0.18 s at 0.05 s
   * (0.72 s at the former 0.2). 20 adverts a second per LB pair, each ~60 bytes; keepalived's VRRP process runs with
   * realtime scheduling (`vrrp_rt_priority`, render/keepalived.ts) so a busy host still sends them (docs/drills.md).
   */
  advertIntV3: 0.05,
  /** VRRPv2 adverts are whole seconds. */
  advertIntV2: 1,
  authSecret: 'vrrp-auth',
  unicast: true,
  healthPath: '/readyz',
  healthInter: '1s',
  healthFall: 2,
  healthRise: 2,
  timeoutConnect: '5s',
  timeoutClient: '1m',
  timeoutServer: '1m',
  /** Watches and `kubectl logs -f` idle for minutes; 4h keeps them, HAProxy reload drains the rest. */
  timeoutTunnel: '4h',
  stats: 'socket' as const,
  hairpin: false,
  retries: 3,
  haproxyTracker: 'file' as const,
  /** What scripts/k8s-binaries.sh builds by default (the newest release measured to build here). */
  version: 'v1.37.2',
  /** systemd units, no container runtime needed (kubeadm's static pods need one). */
  installer: 'binary' as const,
  etcdType: 'stacked' as const,
  plugin: 'calico',
  podCIDR: '10.244.0.0/16',
  serviceCIDR: '10.96.0.0/12',
  dnsDomain: 'cluster.local',
} as const;

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `500ms`, `2s`, `5m`, `4h`, `1d` → milliseconds; undefined when malformed. */
export function parseDuration(s: string): number | undefined {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(s.trim());
  if (!m) return undefined;
  return Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0);
}

/** Our role for a name or an alias (`master` → control-plane), case-insensitive; undefined when unknown. */
export function normaliseRole(raw: string): Role | undefined {
  const r = raw.trim().toLowerCase();
  if ((ROLES as readonly string[]).includes(r)) return r as Role;
  return ROLE_ALIASES[r];
}

/**
 * A VRRP virtual_router_id from the cluster name, 1..255 (FNV-1a): stable across runs, and two clusters
 * sharing one L2 segment get different ids unless their names collide (1 in 255; set it by hand then).
 */
export function deriveVirtualRouterId(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return (h % 255) + 1;
}

function ms(value: string | undefined, fallback: string): number {
  return parseDuration(value ?? fallback) ?? parseDuration(fallback) ?? 0;
}

function sshOf(own: SpecInput['ssh'], base: SshSettings): SshSettings {
  const out: SshSettings = { user: own?.user ?? base.user, port: own?.port ?? base.port };
  const keyFile = own?.keyFile ?? base.keyFile;
  if (keyFile !== undefined) out.keyFile = keyFile;
  const jumpHost = own?.jumpHost ?? base.jumpHost;
  if (jumpHost !== undefined) out.jumpHost = jumpHost;
  return out;
}

/**
 * SpecInput → ClusterSpec.
 * - Roles: aliases normalised, duplicates and unknown names dropped (the rules report unknown ones).
 * - Stacked etcd without any `etcd` host: the control-plane hosts are the members.
 * - Mode stacked: the control-plane hosts run keepalived + HAProxy, so they get the `loadbalancer` role.
 */
export function applyDefaults(input: SpecInput): ClusterSpec {
  const lbIn = input.loadBalancer;
  const mode = lbIn.mode;
  const iface = lbIn.interface ?? DEFAULTS.interface;
  const ssh = sshOf(input.ssh, { user: DEFAULTS.sshUser, port: DEFAULTS.sshPort });
  const etcdType = input.etcd?.type ?? DEFAULTS.etcdType;

  const hosts: Host[] = input.hosts.map((h) => {
    const roles: Role[] = [];
    for (const r of h.roles) {
      const role = normaliseRole(r);
      if (role && !roles.includes(role)) roles.push(role);
    }
    const hostSsh = sshOf(h.ssh, ssh);
    // The jump host named at the top level is itself reached directly.
    if (hostSsh.jumpHost === h.name && h.ssh?.jumpHost === undefined) delete hostSsh.jumpHost;
    return {
      name: h.name,
      address: h.address,
      roles,
      ssh: hostSsh,
      interface: h.interface ?? iface,
      labels: { ...(h.labels ?? {}) },
    };
  });
  if (etcdType === 'stacked' && !hosts.some((h) => h.roles.includes('etcd'))) {
    for (const h of hosts) if (h.roles.includes('control-plane')) h.roles.push('etcd');
  }
  if (mode === 'stacked') {
    for (const h of hosts) if (h.roles.includes('control-plane') && !h.roles.includes('loadbalancer')) h.roles.push('loadbalancer');
  }
  for (const h of hosts) h.roles.sort((a, b) => ROLES.indexOf(a) - ROLES.indexOf(b));

  const vrrpVersion = lbIn.vrrpVersion ?? DEFAULTS.vrrpVersion;
  const port = lbIn.port ?? (mode === 'stacked' ? DEFAULTS.lbPortStacked : DEFAULTS.lbPortDedicated);
  const vip = lbIn.vip ?? '';
  const hc = lbIn.healthCheck;
  const t = lbIn.timeouts;
  const loadBalancer: LoadBalancer = {
    mode,
    vip,
    port,
    interface: iface,
    virtualRouterId: lbIn.virtualRouterId ?? deriveVirtualRouterId(input.metadata.name),
    vrrpVersion,
    advertInt: lbIn.advertInt ?? (vrrpVersion === 3 ? DEFAULTS.advertIntV3 : DEFAULTS.advertIntV2),
    authSecret: lbIn.authSecret ?? DEFAULTS.authSecret,
    unicast: lbIn.unicast ?? DEFAULTS.unicast,
    healthCheck: {
      path: hc?.path ?? DEFAULTS.healthPath,
      interMs: ms(hc?.inter, DEFAULTS.healthInter),
      fall: hc?.fall ?? DEFAULTS.healthFall,
      rise: hc?.rise ?? DEFAULTS.healthRise,
    },
    timeouts: {
      connectMs: ms(t?.connect, DEFAULTS.timeoutConnect),
      clientMs: ms(t?.client, DEFAULTS.timeoutClient),
      serverMs: ms(t?.server, DEFAULTS.timeoutServer),
      tunnelMs: ms(t?.tunnel, DEFAULTS.timeoutTunnel),
    },
    stats: lbIn.stats ?? DEFAULTS.stats,
    hairpin: lbIn.hairpin ?? DEFAULTS.hairpin,
    retries: lbIn.retries ?? DEFAULTS.retries,
    haproxyTracker: lbIn.haproxyTracker ?? DEFAULTS.haproxyTracker,
  };

  const cp = input.controlPlane;
  const endpoint: ClusterSpec['controlPlane']['endpoint'] = {
    address: cp?.endpoint?.address ?? vip,
    port: cp?.endpoint?.port ?? port,
  };
  if (cp?.endpoint?.domain !== undefined) endpoint.domain = cp.endpoint.domain;
  const version = cp?.version ?? DEFAULTS.version;

  const net = input.network;
  const network: ClusterSpec['network'] = {
    plugin: net?.plugin ?? DEFAULTS.plugin,
    podCIDR: net?.podCIDR ?? DEFAULTS.podCIDR,
    serviceCIDR: net?.serviceCIDR ?? DEFAULTS.serviceCIDR,
    dnsDomain: net?.dnsDomain ?? DEFAULTS.dnsDomain,
  };
  if (net?.hostCIDR !== undefined) network.hostCIDR = net.hostCIDR;

  return {
    name: input.metadata.name,
    ssh,
    hosts,
    loadBalancer,
    controlPlane: {
      endpoint,
      apiserverPort: cp?.apiserverPort ?? DEFAULTS.apiserverPort,
      certSANs: [...(cp?.certSANs ?? [])],
      version: version.startsWith('v') ? version : `v${version}`,
      // `mode` wins over its deprecated alias; when both are set and differ the rules refuse the spec.
      installer: cp?.mode ?? cp?.installer ?? DEFAULTS.installer,
      nodePackages: [...new Set(cp?.nodePackages ?? DEFAULTS.nodePackages)],
    },
    etcd: { type: etcdType, endpoints: [...(input.etcd?.endpoints ?? [])] },
    network,
    passthrough: { ...(input.passthrough ?? {}) },
  };
}
