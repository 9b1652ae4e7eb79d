import { z } from 'zod';

/**
 * The kubeha spec: one declarative description of an HA control plane.
 * Every optional field has a default applied in ./defaults.ts; the schema stays close to what the user wrote.
 */

export const ROLES = ['loadbalancer', 'control-plane', 'etcd', 'worker'] as const;
export type Role = (typeof ROLES)[number];
/** Names other tools use for our roles; accepted on input and normalised. */
export const ROLE_ALIASES: Readonly<Record<string, Role>> = {
  master: 'control-plane',
  controlplane: 'control-plane',
  'kube-master': 'control-plane',
  lb: 'loadbalancer',
  'load-balancer': 'loadbalancer',
  node: 'worker',
};

export const CONTROL_PLANE_MODES = ['binary', 'kubeadm', 'kubekey'] as const;
export type ControlPlaneMode = (typeof CONTROL_PLANE_MODES)[number];

const port = z.number().int().min(1).max(65535);
/**
 * Every string that reaches a rendered file or a command line is held to a character set its format can carry
 * (no whitespace, quotes, braces, `#`, `!`, `$`, `\\`, control characters) and a length, here at its field: a value
 * that would break a config (or add a line to it) is exit 2 at the spec line, never a file the real tool refuses.
 */
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** HAProxy keeps timers as signed 32-bit milliseconds (`timeout tunnel 25d` is refused: "timer overflow"). */
export const MAX_DURATION_MS = 2_147_483_647;
const durationMs = (v: string): number => {
  const m = /^(\d{1,12})(ms|s|m|h|d)$/.exec(v);
  return m ? Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? NaN) : NaN;
};
const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'a duration such as 500ms, 2s, 5m, 4h')
  .refine((v) => durationMs(v) >= 1 && durationMs(v) <= MAX_DURATION_MS, 'a duration from 1ms to 24d (HAProxy refuses 0 and keeps timers in 32 bits)');
/** A Linux interface name (dev_valid_name: 1-15 bytes, no "/", ":" or whitespace), narrowed to what keepalived.conf holds as one token. */
export const INTERFACE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/;
/** A URI path and query as HAProxy reads it unquoted in `option httpchk GET <uri>`: no space, `#`, quote, `\\` or `$`. */
export const HTTP_PATH = /^\/[A-Za-z0-9._~!&()*+,;=:@%/?-]{0,255}$/;
/** A secret's name is a file name in the state directory. */
export const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
/** Kubernetes label keys (optional DNS prefix `/` name) and values. */
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const labelKey = z
  .string()
  .max(317)
  .refine((k) => {
    const [prefix, rest] = k.includes('/') ? [k.slice(0, k.lastIndexOf('/')), k.slice(k.lastIndexOf('/') + 1)] : [undefined, k];
    return LABEL_NAME.test(rest) && (prefix === undefined || /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/.test(prefix));
  }, 'a Kubernetes label key: [prefix/]name, the name 1-63 characters of [A-Za-z0-9-_.] starting and ending alphanumeric');
const labelValue = z.string().regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, 'a Kubernetes label value: up to 63 characters of [A-Za-z0-9-_.], starting and ending alphanumeric');
/** No control character, quote, space or backslash: one token on an ssh or shell command line. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const token = (what: string, max: number) => z.string().min(1).max(max).regex(/^[^\s"'`\\$;|&<>(){}#!*?\x00-\x1f\x7f]+$/, `${what}: no spaces, quotes, backslashes or shell characters`);
const name = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'lower-case letters, digits and "-" (a DNS label), starting and ending with a letter or digit')
  .max(63);

export const SshSchema = z
  .strictObject({
    user: z.string().regex(/^[a-z_][a-z0-9_.-]{0,31}\$?$/i, 'a Unix user name such as root or ubuntu').optional().describe('Remote user; a non-root user needs passwordless sudo. Default root.'),
    port: port.optional().describe('SSH port. Default 22.'),
    keyFile: token('a file path', 4096).optional().describe('Private key file; the SSH agent is used when absent.'),
    jumpHost: z
      .string()
      .max(320)
      .regex(/^([a-z_][a-z0-9_.-]{0,31}@)?[A-Za-z0-9]([A-Za-z0-9.-]{0,252})(:\d{1,5})?$/, 'a host name of this spec, or [user@]address[:port]')
      .optional()
      .describe('Name of a host in `hosts` (or user@address:port) to tunnel through.'),
  })
  .describe('How kubeha reaches a host over SSH.');

export const HostSchema = z.strictObject({
  name,
  address: z.string().max(64).describe('IPv4 address the host is reached at and the cluster uses.'),
  roles: z.array(z.string().max(64)).describe(`Any of ${ROLES.join(', ')}.`),
  ssh: SshSchema.optional(),
  interface: z.string().max(64).optional().describe('Network interface carrying `address` (keepalived binds the VIP there). Default: loadBalancer.interface.'),
  labels: z.record(labelKey, labelValue).optional(),
});

export const HealthCheckSchema = z.strictObject({
  path: z.string().regex(HTTP_PATH, 'an HTTP path such as /readyz: "/" then at most 255 URI characters, no spaces, "#", quotes, "\\" or "$"').optional().describe('HTTPS path probed on each apiserver. Default /readyz.'),
  inter: duration.optional().describe('Interval between checks. Default 1s.'),
  fall: z.number().int().min(1).max(1000).optional().describe('Consecutive failures that mark a server down. Default 2.'),
  rise: z.number().int().min(1).max(1000).optional().describe('Consecutive successes that mark it up again. Default 2.'),
});

export const LoadBalancerSchema = z.strictObject({
  mode: z
    .enum(['keepalived-haproxy', 'stacked', 'external'])
    .describe('keepalived-haproxy: dedicated LB hosts; stacked: keepalived+HAProxy on the control-plane hosts; external: a cloud or hardware LB.'),
  vip: z.string().max(64).optional().describe('The floating virtual IP (keepalived modes) or the external LB address.'),
  port: port.optional().describe('HAProxy frontend port. Default 6443 (dedicated) or 8443 (stacked).'),
  interface: z.string().max(64).optional().describe('Interface for VRRP and the VIP. Default eth0.'),
  virtualRouterId: z.number().int().min(1).max(255).optional().describe('VRRP id; default derived from the cluster name so that two clusters on one L2 segment differ.'),
  vrrpVersion: z.union([z.literal(2), z.literal(3)]).optional().describe('VRRP version. Default 3 (sub-second adverts).'),
  advertInt: z.number().min(0.01).max(255).optional().describe('Seconds between VRRP adverts. Default 0.05 with VRRPv3, 1 with VRRPv2.'),
  authSecret: z.string().regex(SECRET_NAME, 'a secret name: a file name of letters, digits, "-", "_" and "." (no "/" or leading ".")').optional().describe('Name of the secret holding the VRRP PASS password (VRRPv2 only). Default vrrp-auth.'),
  unicast: z.boolean().optional().describe('Unicast VRRP between the LB hosts (clouds drop multicast). Default true.'),
  healthCheck: HealthCheckSchema.optional(),
  timeouts: z
    .strictObject({
      connect: duration.optional(),
      client: duration.optional(),
      server: duration.optional(),
      tunnel: duration.optional().describe('Idle timeout for established TCP streams; long so that watches and `kubectl logs -f` survive. Default 4h.'),
    })
    .optional(),
  stats: z.enum(['socket', 'localhost', 'off']).optional().describe('Where the HAProxy stats page is served. Default socket.'),
  hairpin: z.boolean().optional().describe('external mode: whether the LB lets a backend reach itself through the LB. Default false.'),
  retries: z.number().int().min(0).max(10).optional().describe('HAProxy retries of a failed connection to an apiserver (the last one on another server). Default 3.'),
  haproxyTracker: z
    .enum(['file', 'process'])
    .optional()
    .describe(
      'How keepalived learns that HAProxy died, at once: file (systemd writes a state file that keepalived watches; works in any network namespace) or process (keepalived track_process; needs the initial network namespace). Default file.',
    ),
});

export const ControlPlaneSchema = z.strictObject({
  endpoint: z
    .strictObject({
      address: z.string().max(64).optional().describe('Address clients use; default the VIP.'),
      domain: z.string().max(253).optional().describe('DNS name for the endpoint (added to /etc/hosts and the certificate SANs).'),
      port: port.optional().describe('Port clients use; must equal the LB frontend port. Default the LB port.'),
    })
    .optional(),
  apiserverPort: port.optional().describe('kube-apiserver secure port on each control-plane host. Default 6443.'),
  certSANs: z.array(z.string().max(253)).optional(),
  version: z.string().regex(/^v?\d+\.\d+(\.\d+)?$/, 'a Kubernetes version such as v1.37.2').optional().describe('Kubernetes version of the control plane. Default v1.37.2.'),
  mode: z
    .enum(CONTROL_PLANE_MODES)
    .optional()
    .describe(
      'How the control plane is installed. binary: kubeha runs etcd, kube-apiserver, kube-controller-manager and kube-scheduler as systemd units (no container runtime needed); kubeadm: kubeha renders kubeadm configs (the hosts need a container runtime); kubekey: KubeSphere\'s kk installs it (`kubeha export kubekey`). Default binary.',
    ),
  installer: z.enum(CONTROL_PLANE_MODES).optional().describe('Deprecated: the old name of controlPlane.mode.'),
  nodePackages: z
    .array(z.string().regex(/^[a-z0-9][a-z0-9.+-]{1,127}$/, 'a package name such as conntrack'))
    .optional()
    .describe(
      "Packages every Kubernetes node (control-plane and worker hosts) gets before the installer runs. Default: what kubeadm's and KubeKey's preflight checks look for (Debian names): conntrack, socat, ebtables, ethtool, ipset, iptables, iproute2. [] installs none.",
    ),
});

export const EtcdSchema = z.strictObject({
  type: z.enum(['stacked', 'external']).optional().describe('stacked: on the control-plane hosts (or hosts with role etcd). Default stacked.'),
  endpoints: z.array(z.string().max(2048)).optional().describe('external: client URLs of an existing etcd cluster.'),
});

export const NetworkSchema = z.strictObject({
  plugin: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,62}$/, 'a CNI plugin name such as calico or cilium').optional(),
  podCIDR: z.string().max(64).optional(),
  serviceCIDR: z.string().max(64).optional(),
  dnsDomain: z
    .string()
    .regex(/^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/, 'a DNS domain such as cluster.local')
    .optional(),
  hostCIDR: z
    .string()
    .max(64)
    .optional()
    .describe('Subnet (L2 segment) of the load-balancer hosts; the VIP must lie in it. Default: the /24 of the load-balancer hosts.'),
});

export const SpecSchema = z.strictObject({
  apiVersion: z.literal('kubeha.io/v1alpha1'),
  kind: z.literal('Cluster'),
  metadata: z.strictObject({ name }),
  ssh: SshSchema.optional().describe('Defaults for every host.'),
  hosts: z.array(HostSchema).min(1),
  loadBalancer: LoadBalancerSchema,
  controlPlane: ControlPlaneSchema.optional(),
  etcd: EtcdSchema.optional(),
  network: NetworkSchema.optional(),
  /** Settings from an imported file that kubeha does not model, kept so that an export can carry them back. */
  passthrough: z.record(z.string(), z.unknown()).optional(),
});

export type SpecInput = z.infer<typeof SpecSchema>;
export type HostInput = z.infer<typeof HostSchema>;
