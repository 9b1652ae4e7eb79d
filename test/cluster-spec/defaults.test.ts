import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults, deriveVirtualRouterId, normaliseRole, parseDuration } from '../../src/cluster-spec/defaults.js';
import type { SpecInput } from '../../src/cluster-spec/schema.js';
import { hostsWithRole } from '../../src/cluster-spec/types.js';

function input(mode: SpecInput['loadBalancer']['mode'] = 'keepalived-haproxy'): SpecInput {
  return {
    apiVersion: 'kubeha.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'defaults' },
    hosts: [
      { name: 'lb0', address: '10.77.0.11', roles: ['lb'] },
      { name: 'master1', address: '10.77.0.21', roles: ['master'] },
      { name: 'master2', address: '10.77.0.22', roles: ['Control-Plane', 'master'] },
      { name: 'worker1', address: '10.77.0.31', roles: ['node'], ssh: { user: 'debian' }, interface: 'ens3' },
    ],
    loadBalancer: { mode, vip: '10.77.0.10' },
  };
}

describe('applyDefaults', () => {
  it('fills every field of a minimal spec', () => {
    const s = applyDefaults(input());
    assert.equal(s.name, 'defaults');
    assert.deepEqual(s.ssh, { user: 'root', port: 22 });
    assert.deepEqual(s.loadBalancer.healthCheck, { path: '/readyz', interMs: 1000, fall: 2, rise: 2 });
    assert.deepEqual(s.loadBalancer.timeouts, { connectMs: 5000, clientMs: 60_000, serverMs: 60_000, tunnelMs: 4 * 3_600_000 });
    assert.equal(s.loadBalancer.port, 6443);
    assert.equal(s.loadBalancer.interface, 'eth0');
    assert.equal(s.loadBalancer.vrrpVersion, 3);
    assert.equal(s.loadBalancer.advertInt, 0.05);
    assert.equal(s.loadBalancer.unicast, true);
    assert.equal(s.loadBalancer.stats, 'socket');
    assert.equal(s.loadBalancer.authSecret, 'vrrp-auth');
    assert.equal(s.loadBalancer.retries, 3);
    assert.equal(s.loadBalancer.haproxyTracker, 'file');
    assert.deepEqual(s.controlPlane.endpoint, { address: '10.77.0.10', port: 6443 });
    assert.equal(s.controlPlane.apiserverPort, 6443);
    assert.equal(s.controlPlane.installer, 'binary');
    assert.equal(s.controlPlane.version, 'v1.37.2');
    // kubeadm's preflight: conntrack mandatory before 1.32, iptables and ip mandatory, the rest warned about.
    for (const p of ['conntrack', 'iptables', 'iproute2', 'socat', 'ebtables', 'ethtool']) assert.ok(s.controlPlane.nodePackages.includes(p), p);
    assert.deepEqual(s.etcd, { type: 'stacked', endpoints: [] });
    assert.deepEqual(s.network, { plugin: 'calico', podCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12', dnsDomain: 'cluster.local' });
  });

  it('normalises role aliases, drops duplicates, orders roles', () => {
    const s = applyDefaults(input());
    assert.deepEqual(
      s.hosts.map((h) => h.roles),
      [['loadbalancer'], ['control-plane', 'etcd'], ['control-plane', 'etcd'], ['worker']],
    );
  });

  it('stacked etcd: the control-plane hosts are the members when no host has role etcd', () => {
    assert.deepEqual(
      hostsWithRole(applyDefaults(input()), 'etcd').map((h) => h.name),
      ['master1', 'master2'],
    );
    const explicit = input();
    explicit.hosts[3]!.roles = ['worker', 'etcd'];
    assert.deepEqual(
      hostsWithRole(applyDefaults(explicit), 'etcd').map((h) => h.name),
      ['worker1'],
    );
    const external = input();
    external.etcd = { type: 'external', endpoints: ['https://10.0.0.1:2379'] };
    assert.deepEqual(hostsWithRole(applyDefaults(external), 'etcd'), []);
  });

  it('stacked: port 8443, the masters get the loadbalancer role, the endpoint follows the LB port', () => {
    const s = applyDefaults(input('stacked'));
    assert.equal(s.loadBalancer.port, 8443);
    assert.equal(s.controlPlane.endpoint.port, 8443);
    assert.deepEqual(
      hostsWithRole(s, 'loadbalancer').map((h) => h.name),
      ['lb0', 'master1', 'master2'],
    );
  });

  it('VRRPv2 defaults to a 1 s advert', () => {
    const i = input();
    i.loadBalancer.vrrpVersion = 2;
    assert.equal(applyDefaults(i).loadBalancer.advertInt, 1);
  });

  it('host SSH settings inherit the top-level ones, field by field', () => {
    const i = input();
    i.ssh = { user: 'ops', port: 2222, keyFile: '/k' };
    const s = applyDefaults(i);
    assert.deepEqual(s.hosts[0]?.ssh, { user: 'ops', port: 2222, keyFile: '/k' });
    assert.deepEqual(s.hosts[3]?.ssh, { user: 'debian', port: 2222, keyFile: '/k' });
  });

  it('the top-level jump host is itself reached directly', () => {
    const i = input();
    i.ssh = { jumpHost: 'lb0' };
    const s = applyDefaults(i);
    assert.equal(s.hosts[0]?.ssh.jumpHost, undefined);
    assert.equal(s.hosts[1]?.ssh.jumpHost, 'lb0');
  });

  it('a host interface overrides loadBalancer.interface', () => {
    const i = input();
    i.loadBalancer.interface = 'bond0';
    const s = applyDefaults(i);
    assert.deepEqual(
      s.hosts.map((h) => h.interface),
      ['bond0', 'bond0', 'bond0', 'ens3'],
    );
  });

  it('explicit values win; the version gets its v', () => {
    const i = input();
    i.loadBalancer = { ...i.loadBalancer, port: 16443, virtualRouterId: 77, timeouts: { tunnel: '1h' } };
    i.controlPlane = { endpoint: { domain: 'api.example.com' }, version: '1.29.3' };
    const s = applyDefaults(i);
    assert.equal(s.loadBalancer.virtualRouterId, 77);
    assert.equal(s.loadBalancer.timeouts.tunnelMs, 3_600_000);
    assert.deepEqual(s.controlPlane.endpoint, { address: '10.77.0.10', port: 16443, domain: 'api.example.com' });
    assert.equal(s.controlPlane.version, 'v1.29.3');
  });

  it('does not alias the input (labels, certSANs)', () => {
    const i = input();
    i.hosts[0]!.labels = { a: 'b' };
    i.controlPlane = { certSANs: ['x.example'] };
    const s = applyDefaults(i);
    s.hosts[0]!.labels['c'] = 'd';
    s.controlPlane.certSANs.push('y');
    assert.deepEqual(i.hosts[0]!.labels, { a: 'b' });
    assert.deepEqual(i.controlPlane.certSANs, ['x.example']);
  });
});

describe('deriveVirtualRouterId', () => {
  it('is stable, in 1..255, and differs between names', () => {
    assert.equal(deriveVirtualRouterId('demo'), deriveVirtualRouterId('demo'));
    const ids = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const id = deriveVirtualRouterId(`cluster-${i}`);
      assert.ok(id >= 1 && id <= 255 && Number.isInteger(id));
      ids.add(id);
    }
    assert.ok(ids.size > 200, `only ${ids.size} distinct ids`);
    assert.notEqual(deriveVirtualRouterId('prod'), deriveVirtualRouterId('staging'));
  });
});

describe('parseDuration', () => {
  it('units', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('2s'), 2000);
    assert.equal(parseDuration('5m'), 300_000);
    assert.equal(parseDuration('4h'), 14_400_000);
    assert.equal(parseDuration('1d'), 86_400_000);
    assert.equal(parseDuration('1.5s'), undefined);
    assert.equal(parseDuration('s'), undefined);
    assert.equal(parseDuration('10'), undefined);
  });
});

describe('normaliseRole', () => {
  it('aliases and case', () => {
    assert.equal(normaliseRole('master'), 'control-plane');
    assert.equal(normaliseRole('LB'), 'loadbalancer');
    assert.equal(normaliseRole('node'), 'worker');
    assert.equal(normaliseRole('etcd'), 'etcd');
    assert.equal(normaliseRole('wizard'), undefined);
  });
});
