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

const port = z.number().int().min(1).max(65535);
const duration = z.string().regex(/^\d+(ms|s|m|h|d)$/, 'a duration such as 500ms, 2s, 5m, 4h');
const name = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'lower-case letters, digits and "-" (a DNS label), starting and ending with a letter or digit')
  .max(63);

export const SshSchema = z
  .strictObject({
    user: z.string().min(1).optional().describe('Remote user; a non-root user needs passwordless sudo. Default root.'),
    port: port.optional().describe('SSH port. Default 22.'),
    keyFile: z.string().optional().describe('Private key file; the SSH agent is used when absent.'),
    jumpHost: z.string().optional().describe('Name of a host in `hosts` (or user@address:port) to tunnel through.'),
  })
  .describe('How kubeha reaches a host over SSH.');

export const HostSchema = z.strictObject({
  name,
  address: z.string().describe('IPv4 address the host is reached at and the cluster uses.'),
  roles: z.array(z.string()).describe(`Any of ${ROLES.join(', ')}.`),
  ssh: SshSchema.optional(),
  interface: z.string().optional().describe('Network interface carrying `address` (keepalived binds the VIP there). Default: loadBalancer.interface.'),
  labels: z.record(z.string(), z.string()).optional(),
});

export const HealthCheckSchema = z.strictObject({
  path: z.string().startsWith('/').optional().describe('HTTPS path probed on each apiserver. Default /readyz.'),
  inter: duration.optional().describe('Interval between checks. Default 1s.'),
  fall: z.number().int().min(1).optional().describe('Consecutive failures that mark a server down. Default 2.'),
  rise: z.number().int().min(1).optional().describe('Consecutive successes that mark it up again. Default 2.'),
});

export const LoadBalancerSchema = z.strictObject({
  mode: z
    .enum(['keepalived-haproxy', 'stacked', 'external'])
    .describe('keepalived-haproxy: dedicated LB hosts; stacked: keepalived+HAProxy on the control-plane hosts; external: a cloud or hardware LB.'),
  vip: z.string().optional().describe('The floating virtual IP (keepalived modes) or the external LB address.'),
  port: port.optional().describe('HAProxy frontend port. Default 6443 (dedicated) or 8443 (stacked).'),
  interface: z.string().optional().describe('Interface for VRRP and the VIP. Default eth0.'),
  virtualRouterId: z.number().int().min(1).max(255).optional().describe('VRRP id; default derived from the cluster name so that two clusters on one L2 segment differ.'),
  vrrpVersion: z.union([z.literal(2), z.literal(3)]).optional().describe('VRRP version. Default 3 (sub-second adverts).'),
  advertInt: z.number().min(0.01).max(255).optional().describe('Seconds between VRRP adverts. Default 0.2 with VRRPv3, 1 with VRRPv2.'),
  authSecret: z.string().optional().describe('Name of the secret holding the VRRP PASS password (VRRPv2 only). Default vrrp-auth.'),
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
      address: z.string().optional().describe('Address clients use; default the VIP.'),
      domain: z.string().optional().describe('DNS name for the endpoint (added to /etc/hosts and the certificate SANs).'),
      port: port.optional().describe('Port clients use; must equal the LB frontend port. Default the LB port.'),
    })
    .optional(),
  apiserverPort: port.optional().describe('kube-apiserver secure port on each control-plane host. Default 6443.'),
  certSANs: z.array(z.string()).optional(),
  version: z.string().regex(/^v?\d+\.\d+(\.\d+)?$/, 'a Kubernetes version such as v1.30.4').optional(),
  installer: z.enum(['kubeadm', 'binary', 'kubekey']).optional().describe('How the control plane is installed. Default kubeadm.'),
  nodePackages: z
    .array(z.string().regex(/^[a-z0-9][a-z0-9.+-]+$/, 'a package name such as conntrack'))
    .optional()
    .describe(
      "Packages every Kubernetes node (control-plane and worker hosts) gets before the installer runs. Default: what kubeadm's and KubeKey's preflight checks look for (Debian names): conntrack, socat, ebtables, ethtool, ipset, iptables, iproute2. [] installs none.",
    ),
});

export const EtcdSchema = z.strictObject({
  type: z.enum(['stacked', 'external']).optional().describe('stacked: on the control-plane hosts (or hosts with role etcd). Default stacked.'),
  endpoints: z.array(z.string()).optional().describe('external: client URLs of an existing etcd cluster.'),
});

export const NetworkSchema = z.strictObject({
  plugin: z.string().optional(),
  podCIDR: z.string().optional(),
  serviceCIDR: z.string().optional(),
  dnsDomain: z.string().optional(),
  hostCIDR: z
    .string()
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
