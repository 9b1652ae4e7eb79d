import type { ClusterSpec, Host } from '../../src/cluster-spec/types.js';
import type { Role } from '../../src/cluster-spec/schema.js';

/** Fixed secrets used by every render test (never a real one). */
export const TEST_SECRETS = {
  'vrrp-auth': 'Te5tPa55',
  'encryption-key': Buffer.from('kubeha test key, never a real 1!').toString('base64'),
  'kubeadm-bootstrap-token': 'test00.0000000000000000',
} as const;

const ssh = { user: 'root', port: 22 };
const host = (name: string, address: string, roles: Role[]): Host => ({ name, address, roles, ssh, interface: 'eth0', labels: {} });

/** The default dedicated-lb topology: lb0, lb1, master1-3 (stacked etcd); VIP 10.77.0.10 on eth0. Built by hand, as the spec loader would. */
export function dedicatedSpec(): ClusterSpec {
  return {
    name: 'demo',
    ssh,
    hosts: [
      host('lb0', '10.77.0.11', ['loadbalancer']),
      host('lb1', '10.77.0.12', ['loadbalancer']),
      host('master1', '10.77.0.21', ['control-plane', 'etcd']),
      host('master2', '10.77.0.22', ['control-plane', 'etcd']),
      host('master3', '10.77.0.23', ['control-plane', 'etcd']),
    ],
    loadBalancer: {
      mode: 'keepalived-haproxy',
      vip: '10.77.0.10',
      port: 6443,
      interface: 'eth0',
      virtualRouterId: 173,
      vrrpVersion: 3,
      advertInt: 0.05,
      authSecret: 'vrrp-auth',
      unicast: true,
      healthCheck: { path: '/readyz', interMs: 1000, fall: 2, rise: 2 },
      timeouts: { connectMs: 5000, clientMs: 60_000, serverMs: 60_000, tunnelMs: 4 * 3_600_000 },
      stats: 'socket',
      hairpin: false,
    },
    controlPlane: {
      endpoint: { address: '10.77.0.10', port: 6443, domain: 'api.demo.internal' },
      apiserverPort: 6443,
      certSANs: [],
      version: 'v1.37.2',
      installer: 'binary',
      nodePackages: ['conntrack', 'socat'],
    },
    etcd: { type: 'stacked', endpoints: [] },
    network: { plugin: 'calico', podCIDR: '10.233.64.0/18', serviceCIDR: '10.233.0.0/18', dnsDomain: 'cluster.local' },
    passthrough: {},
  };
}

/** Stacked: keepalived + HAProxy on master1-3, HAProxy on 8443 (the apiservers keep 6443), plus a worker. */
export function stackedSpec(): ClusterSpec {
  const spec = dedicatedSpec();
  spec.hosts = [
    host('master1', '10.77.0.21', ['control-plane', 'etcd']),
    host('master2', '10.77.0.22', ['control-plane', 'etcd']),
    host('master3', '10.77.0.23', ['control-plane', 'etcd']),
    host('worker1', '10.77.0.31', ['worker']),
  ];
  spec.loadBalancer = { ...spec.loadBalancer, mode: 'stacked', port: 8443 };
  spec.controlPlane = { ...spec.controlPlane, endpoint: { address: '10.77.0.10', port: 8443, domain: 'api.demo.internal' } };
  return spec;
}

/** External: a cloud LB at 10.77.0.5:6443 without hairpin; no LB files, hosts entries only. */
export function externalSpec(): ClusterSpec {
  const spec = dedicatedSpec();
  spec.hosts = spec.hosts.filter((h) => !h.roles.includes('loadbalancer')).concat([host('worker1', '10.77.0.31', ['worker'])]);
  spec.loadBalancer = { ...spec.loadBalancer, mode: 'external', vip: '10.77.0.5' };
  spec.controlPlane = { ...spec.controlPlane, endpoint: { address: '10.77.0.5', port: 6443, domain: 'api.demo.internal' } };
  return spec;
}

/** The dedicated-lb topology with controlPlane.mode kubeadm (kubeadm's configs instead of kubeha's units). */
export function kubeadmSpec(): ClusterSpec {
  const spec = dedicatedSpec();
  spec.controlPlane = { ...spec.controlPlane, installer: 'kubeadm' };
  return spec;
}
