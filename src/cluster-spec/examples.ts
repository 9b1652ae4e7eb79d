/**
 * The commented example specs `kubeha init` prints (and examples/*.yaml hold). Pure: text only.
 * Addresses are the seeds' shape in 10.77.0.0/24: VIP .10, LB hosts .11/.12, masters .21-.23, workers .31-.33.
 */

export const TOPOLOGIES = ['dedicated-lb', 'stacked', 'external-lb'] as const;
export type Topology = (typeof TOPOLOGIES)[number];

/** File under examples/ holding each topology's example. */
export const EXAMPLE_FILES: Readonly<Record<Topology, string>> = {
  'dedicated-lb': 'examples/cluster.yaml',
  stacked: 'examples/stacked.yaml',
  'external-lb': 'examples/external-lb.yaml',
};

const COMMENT_COL = 40;

/** `text` with `# comment` aligned at a fixed column. */
function c(text: string, comment: string): string {
  return `${text.padEnd(COMMENT_COL - 1)} # ${comment}`;
}

function host(name: string, address: string, roles: string[], roleComment: string): string[] {
  return [
    c(`  - name: ${name}`, 'unique DNS label: file, certificate and state names use it'),
    c(`    address: ${address}`, 'IPv4 address kubeha connects to and the cluster uses'),
    c(`    roles: [${roles.join(', ')}]`, roleComment),
  ];
}

export interface ExampleOptions {
  /** Cluster name. @default 'demo' */
  name?: string;
}

export function exampleSpec(topology: Topology, options: ExampleOptions = {}): string {
  const name = options.name ?? 'demo';
  const stacked = topology === 'stacked';
  const external = topology === 'external-lb';
  const lbPort = stacked ? 8443 : 6443;
  const title: Record<Topology, string> = {
    'dedicated-lb': 'two load-balancer hosts (keepalived + HAProxy, one VIP) in front of three control-plane hosts with stacked etcd, and three workers',
    stacked: 'keepalived + HAProxy on the three control-plane hosts themselves (HAProxy on 8443, the apiserver keeps 6443), stacked etcd, three workers',
    'external-lb': 'a cloud or hardware load balancer (not managed by kubeha) in front of three control-plane hosts with stacked etcd, and three workers',
  };
  const lines: string[] = [
    `# kubeha cluster spec (topology ${topology}):`,
    `# ${title[topology]}.`,
    '# Check it: kubeha check cluster.yaml    Reference: docs/spec.md    JSON Schema: kubeha schema',
    '# Secrets (VRRP password, tokens, keys) never go here: kubeha generates them under .kubeha/<name>/secrets/.',
    c('apiVersion: kubeha.io/v1alpha1', 'version of this file format'),
    c('kind: Cluster', 'the only kind of spec'),
    'metadata:',
    c(`  name: ${name}`, 'DNS label; seeds the VRRP virtual_router_id'),
    c('ssh:', 'how kubeha reaches every host (a host may override)'),
    c('  user: root', 'a non-root user needs passwordless sudo'),
    c('  port: 22', 'SSH port'),
    c('  # keyFile: ~/.ssh/id_ed25519', 'private key; the SSH agent is used when absent'),
    c('  # jumpHost: bastion', 'a host of this spec, or user@address:port, to tunnel through'),
    'hosts:',
  ];
  if (!stacked && !external) {
    lines.push(...host('lb0', '10.77.0.11', ['loadbalancer'], 'runs keepalived + HAProxy'));
    lines.push(c('    # interface: eth0', 'NIC carrying the address; default loadBalancer.interface'));
    lines.push(...host('lb1', '10.77.0.12', ['loadbalancer'], 'the second LB: the VIP moves here when lb0 fails'));
  }
  const masterRoles = stacked ? 'kube-apiserver + etcd; mode stacked adds keepalived + HAProxy' : 'kube-apiserver, controller-manager, scheduler + etcd';
  for (const i of [1, 2, 3]) lines.push(...host(`master${i}`, `10.77.0.2${i}`, ['control-plane', 'etcd'], masterRoles));
  for (const i of [1, 2, 3]) lines.push(...host(`worker${i}`, `10.77.0.3${i}`, ['worker'], 'runs workloads; reaches the API through the endpoint'));

  lines.push('loadBalancer:');
  if (external) {
    lines.push(
      c('  mode: external', 'keepalived-haproxy | stacked | external (a cloud LB)'),
      c('  vip: 10.77.0.10', 'address the external LB listens on'),
      c(`  port: ${lbPort}`, 'its listener port, forwarding to every apiserver'),
      c('  hairpin: false', 'whether a control-plane host can reach itself via the LB'),
    );
  } else {
    lines.push(
      c(`  mode: ${stacked ? 'stacked' : 'keepalived-haproxy'}`, stacked ? 'LB on the control-plane hosts' : 'dedicated LB hosts; or stacked | external'),
      c('  vip: 10.77.0.10', "floating VIP: a free address in the LB hosts' subnet"),
      c(`  port: ${lbPort}`, stacked ? 'HAProxy frontend; not 6443, the apiserver holds it' : 'HAProxy frontend port on the VIP'),
      c('  interface: eth0', 'NIC for VRRP adverts and the VIP'),
      c('  # virtualRouterId: 51', 'VRRP id 1-255; default derived from metadata.name'),
      c('  vrrpVersion: 3', 'VRRPv3 allows sub-second adverts'),
      c('  advertInt: 0.05', 'seconds between adverts; takeover in ~3 adverts (~0.18 s)'),
      c('  unicast: true', 'unicast VRRP: clouds drop multicast'),
      c('  haproxyTracker: file', "how keepalived sees HAProxy's death (file | process)"),
      '  healthCheck:',
      c('    path: /readyz', 'HTTPS GET on each apiserver; 200 = can serve'),
      c('    inter: 1s', 'interval between checks'),
      c('    fall: 2', 'failed checks before a server is marked down'),
      c('    rise: 2', 'good checks before it is back'),
      '  timeouts:',
      c('    connect: 5s', 'to open a connection to an apiserver'),
      c('    client: 1m', 'client inactivity before the stream is established'),
      c('    server: 1m', 'server inactivity before the stream is established'),
      c('    tunnel: 4h', 'idle established stream: keeps watches, logs -f'),
      c('  retries: 3', 'retry a failed connect, the last on another server'),
      c('  stats: socket', 'stats on a root-only unix socket (or localhost | off)'),
    );
  }
  lines.push(
    'controlPlane:',
    '  endpoint:',
    c('    # address: 10.77.0.10', 'what clients dial; default loadBalancer.vip'),
    c(`    # domain: api.${name}.local`, 'optional DNS name: /etc/hosts entry + cert SAN'),
    c(`    port: ${lbPort}`, 'must equal loadBalancer.port, or clients bypass it'),
    c('  apiserverPort: 6443', 'kube-apiserver port on each control-plane host'),
    c('  version: v1.37.2', 'Kubernetes version of the control plane'),
    c('  mode: binary', 'binary (systemd units) | kubeadm | kubekey'),
    c('  certSANs: []', 'extra names/addresses in the apiserver certificate'),
    c('  # nodePackages: [conntrack, socat, ebtables, ethtool, ipset, iptables, iproute2]', 'on nodes'),
    'etcd:',
    c('  type: stacked', 'on the hosts with role etcd; or external'),
    c('  # endpoints: []', 'external only: https://ADDRESS:2379 client URLs'),
    'network:',
    c('  plugin: calico', 'CNI plugin'),
    c('  podCIDR: 10.244.0.0/16', 'pod addresses; must not contain any host'),
    c('  serviceCIDR: 10.96.0.0/12', 'service addresses; disjoint from podCIDR'),
    c('  dnsDomain: cluster.local', 'cluster DNS suffix'),
    c('  # hostCIDR: 10.77.0.0/24', "LB hosts' subnet; default their /24"),
  );
  return lines.join('\n') + '\n';
}
