import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from '../../src/cluster-spec/defaults.js';
import { MAX_VRRP_ROUTERS, runSpecRules, specRules } from '../../src/cluster-spec/rules.js';
import type { SpecInput } from '../../src/cluster-spec/schema.js';

/** The seeds' topology: 2 LB hosts, 3 masters (control-plane + etcd), 1 worker, VIP .10. */
function base(): SpecInput {
  return {
    apiVersion: 'kubeha.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'rules' },
    hosts: [
      { name: 'lb0', address: '10.77.0.11', roles: ['loadbalancer'] },
      { name: 'lb1', address: '10.77.0.12', roles: ['loadbalancer'] },
      { name: 'master1', address: '10.77.0.21', roles: ['control-plane', 'etcd'] },
      { name: 'master2', address: '10.77.0.22', roles: ['control-plane', 'etcd'] },
      { name: 'master3', address: '10.77.0.23', roles: ['control-plane', 'etcd'] },
      { name: 'worker1', address: '10.77.0.31', roles: ['worker'] },
    ],
    loadBalancer: { mode: 'keepalived-haproxy', vip: '10.77.0.10' },
  };
}

/** Stacked: the masters run keepalived + HAProxy. */
function stacked(): SpecInput {
  const s = base();
  s.hosts = s.hosts.filter((h) => !h.roles.includes('loadbalancer'));
  s.loadBalancer = { mode: 'stacked', vip: '10.77.0.10' };
  return s;
}

function run(input: SpecInput): { code: string; severity: string; host?: string }[] {
  return runSpecRules(input, applyDefaults(input)).map((d) => ({ code: d.code, severity: d.severity, ...(d.host ? { host: d.host } : {}) }));
}

function codes(input: SpecInput): string[] {
  return run(input).map((d) => d.code);
}

/** [description, code, severity, mutation of the base spec] */
const CASES: [string, string, 'error' | 'warning' | 'info', (s: SpecInput) => SpecInput][] = [
  ['two hosts with one name', 'SPEC_DUPLICATE_HOST_NAME', 'error', (s) => ((s.hosts[1]!.name = 'lb0'), s)],
  ['two hosts with one address', 'SPEC_DUPLICATE_ADDRESS', 'error', (s) => ((s.hosts[5]!.address = '10.77.0.23'), s)],
  ['an unknown role', 'SPEC_UNKNOWN_ROLE', 'error', (s) => ((s.hosts[5]!.roles = ['wroker']), s)],
  ['a host with no role', 'SPEC_HOST_WITHOUT_ROLE', 'error', (s) => ((s.hosts[5]!.roles = []), s)],
  ['no control-plane host', 'SPEC_NO_CONTROL_PLANE', 'error', (s) => ((s.hosts = s.hosts.filter((h) => !h.roles.includes('control-plane'))), s)],
  ['an octet above 255', 'SPEC_BAD_IPV4', 'error', (s) => ((s.hosts[5]!.address = '10.77.0.300'), s)],
  ['a VIP that is not an address', 'SPEC_BAD_IPV4', 'error', (s) => ((s.loadBalancer.vip = 'vip.example'), s)],
  ['a loopback host address', 'SPEC_UNUSABLE_ADDRESS', 'error', (s) => ((s.hosts[5]!.address = '127.0.0.2'), s)],
  ['a malformed pod CIDR', 'SPEC_BAD_CIDR', 'error', (s) => ((s.network = { podCIDR: '10.244.0.0' }), s)],
  ['a CIDR with host bits', 'SPEC_BAD_CIDR', 'error', (s) => ((s.network = { serviceCIDR: '10.96.3.0/12' }), s)],
  ['overlapping pod and service CIDRs', 'SPEC_CIDR_OVERLAP', 'error', (s) => ((s.network = { podCIDR: '10.0.0.0/8', serviceCIDR: '10.96.0.0/12' }), s)],
  ['a host inside the pod CIDR', 'SPEC_CIDR_OVERLAP', 'error', (s) => ((s.network = { podCIDR: '10.77.0.0/16' }), s)],
  ['hostCIDR overlapping the pod CIDR', 'SPEC_CIDR_OVERLAP', 'error', (s) => ((s.network = { hostCIDR: '10.77.0.0/24', podCIDR: '10.0.0.0/8', serviceCIDR: '172.16.0.0/16' }), s)],
  ['a bad endpoint domain', 'SPEC_BAD_DOMAIN', 'error', (s) => ((s.controlPlane = { endpoint: { domain: 'api_server!' } }), s)],
  ['a bad cert SAN', 'SPEC_BAD_SAN', 'error', (s) => ((s.controlPlane = { certSANs: ['not a name'] }), s)],
  ['a bad interface name', 'SPEC_BAD_INTERFACE', 'error', (s) => ((s.loadBalancer.interface = 'a-very-long-interface-name'), s)],
  ['no VIP', 'SPEC_VIP_REQUIRED', 'error', (s) => (delete s.loadBalancer.vip, s)],
  ['external mode without address', 'SPEC_VIP_REQUIRED', 'error', (s) => ((s.loadBalancer = { mode: 'external' }), s)],
  ['VIP = an LB host address', 'SPEC_VIP_IS_HOST_ADDRESS', 'error', (s) => ((s.loadBalancer.vip = '10.77.0.12'), s)],
  ['external LB address = a master (imported, not HA)', 'SPEC_VIP_IS_HOST_ADDRESS', 'warning', (s) => ((s.loadBalancer = { mode: 'external', vip: '10.77.0.21' }), s)],
  ['VIP outside the LB /24', 'SPEC_VIP_OUTSIDE_SUBNET', 'error', (s) => ((s.loadBalancer.vip = '10.77.1.10'), s)],
  ['VIP = broadcast of the LB /24', 'SPEC_VIP_OUTSIDE_SUBNET', 'error', (s) => ((s.loadBalancer.vip = '10.77.0.255'), s)],
  ['VIP outside network.hostCIDR', 'SPEC_VIP_OUTSIDE_SUBNET', 'error', (s) => ((s.network = { hostCIDR: '10.77.0.8/29' }), (s.loadBalancer.vip = '10.77.0.20'), s)],
  ['an LB host outside network.hostCIDR', 'SPEC_LB_HOST_OUTSIDE_SUBNET', 'error', (s) => ((s.network = { hostCIDR: '10.77.0.8/30' }), (s.loadBalancer.vip = '10.77.0.10'), s)],
  ['no LB host in keepalived-haproxy mode', 'SPEC_NO_LB_HOSTS', 'error', (s) => ((s.hosts = s.hosts.filter((h) => !h.roles.includes('loadbalancer'))), s)],
  ['one LB host', 'SPEC_SINGLE_LB_HOST', 'warning', (s) => ((s.hosts = s.hosts.filter((h) => h.name !== 'lb1')), s)],
  [
    `${MAX_VRRP_ROUTERS + 1} LB hosts for one VIP`,
    'SPEC_TOO_MANY_LB_HOSTS',
    'error',
    (s) => {
      // Two LB hosts in the base spec: one more than the bound.
      for (let i = 0; i < MAX_VRRP_ROUTERS - 1; i++) s.hosts.push({ name: `lbx${i}`, address: `10.77.${1 + Math.floor(i / 200)}.${1 + (i % 200)}`, roles: ['loadbalancer'] });
      return s;
    },
  ],
  ['LB hosts in external mode', 'SPEC_LB_HOSTS_UNUSED', 'warning', (s) => ((s.loadBalancer = { mode: 'external', vip: '10.77.0.10' }), s)],
  ['stacked with a non-master LB host', 'SPEC_STACKED_LB_NOT_CONTROL_PLANE', 'error', (s) => ((s.loadBalancer.mode = 'stacked'), (s.loadBalancer.port = 8443), s)],
  ['stacked with HAProxy on the apiserver port', 'SPEC_LB_PORT_CONFLICTS_APISERVER', 'error', (_s) => {
    const s = stacked();
    s.loadBalancer.port = 6443;
    return s;
  }],
  ['a master that is also an LB host, same port', 'SPEC_LB_PORT_CONFLICTS_APISERVER', 'error', (s) => ((s.hosts[2]!.roles = ['control-plane', 'etcd', 'loadbalancer']), s)],
  ['stacked HAProxy on the etcd port', 'SPEC_LB_PORT_CONFLICT', 'error', (_s) => {
    const s = stacked();
    s.loadBalancer.port = 2379;
    return s;
  }],
  ['endpoint port ≠ LB port', 'SPEC_ENDPOINT_PORT_MISMATCH', 'error', (s) => ((s.controlPlane = { endpoint: { port: 16443 } }), s)],
  ['endpoint address = a master', 'SPEC_ENDPOINT_BYPASSES_LB', 'error', (s) => ((s.controlPlane = { endpoint: { address: '10.77.0.21' } }), s)],
  ['endpoint address = something else', 'SPEC_ENDPOINT_NOT_VIP', 'warning', (s) => ((s.controlPlane = { endpoint: { address: '10.77.0.99' } }), s)],
  ['VRRPv2 with a fractional advert', 'SPEC_ADVERT_INT_V2_FRACTION', 'error', (s) => ((s.loadBalancer.vrrpVersion = 2), (s.loadBalancer.advertInt = 0.5), s)],
  ['VRRPv3 advert below 10 ms', 'SPEC_ADVERT_INT_RANGE', 'error', (s) => ((s.loadBalancer.advertInt = 0.005), s)],
  ['VRRPv3 advert above 40.95 s', 'SPEC_ADVERT_INT_RANGE', 'error', (s) => ((s.loadBalancer.advertInt = 41), s)],
  ['VRRPv3 advert not in 10 ms steps', 'SPEC_ADVERT_INT_RANGE', 'error', (s) => ((s.loadBalancer.advertInt = 0.015), s)],
  ['an auth secret with VRRPv3', 'SPEC_VRRP3_AUTH_IGNORED', 'warning', (s) => ((s.loadBalancer.authSecret = 'vrrp'), s)],
  ['a 20 s tunnel timeout', 'SPEC_TUNNEL_TIMEOUT_SHORT', 'warning', (s) => ((s.loadBalancer.timeouts = { tunnel: '20s' }), s)],
  ['1 etcd member', 'SPEC_ETCD_NO_QUORUM_TOLERANCE', 'warning', (s) => ((s.hosts[3]!.roles = ['control-plane']), (s.hosts[4]!.roles = ['control-plane']), s)],
  ['2 etcd members', 'SPEC_ETCD_EVEN_MEMBERS', 'error', (s) => ((s.hosts[4]!.roles = ['control-plane']), s)],
  ['4 etcd members', 'SPEC_ETCD_EVEN_MEMBERS', 'error', (s) => ((s.hosts[5]!.roles = ['worker', 'etcd']), s)],
  ['4 external etcd endpoints', 'SPEC_ETCD_EVEN_MEMBERS', 'warning', (s) => ((s.etcd = { type: 'external', endpoints: [1, 2, 3, 4].map((i) => `https://10.0.0.${i}:2379`) }), s)],
  ['an endpoint domain under .localhost', 'SPEC_DOMAIN_UNRESOLVABLE', 'error', (s) => ((s.controlPlane = { endpoint: { domain: 'api.localhost' } }), s)],
  ['an endpoint domain under .invalid', 'SPEC_DOMAIN_UNRESOLVABLE', 'error', (s) => ((s.controlPlane = { endpoint: { domain: 'api.example.invalid' } }), s)],
  ['an endpoint domain in the cluster DNS domain', 'SPEC_DOMAIN_IN_CLUSTER_DOMAIN', 'error', (s) => ((s.controlPlane = { endpoint: { domain: 'api.cluster.local' } }), s)],
  ['an endpoint domain that only /etc/hosts resolves', 'SPEC_DOMAIN_HOSTS_FILE_ONLY', 'info', (s) => ((s.controlPlane = { endpoint: { domain: 'api.demo.internal' } }), s)],
  ['installer and mode disagree', 'SPEC_CONTROL_PLANE_MODE_CONFLICT', 'error', (s) => ((s.controlPlane = { mode: 'binary', installer: 'kubeadm' }), s)],
  ['the deprecated installer key', 'SPEC_INSTALLER_DEPRECATED', 'info', (s) => ((s.controlPlane = { installer: 'kubeadm' }), s)],
  ['a service CIDR holding the VIP', 'SPEC_CIDR_OVERLAP', 'error', (s) => ((s.network = { serviceCIDR: '10.77.0.0/28' }), s)],
  ['a service CIDR holding a host', 'SPEC_CIDR_OVERLAP', 'error', (s) => ((s.network = { serviceCIDR: '10.77.0.16/28' }), s)],
  ['a service CIDR overlapping hostCIDR', 'SPEC_CIDR_OVERLAP', 'error', (s) => ((s.network = { hostCIDR: '10.77.0.0/24', serviceCIDR: '10.77.0.128/25' }), s)],
  ['external etcd without endpoints', 'SPEC_ETCD_EXTERNAL_NO_ENDPOINTS', 'error', (s) => ((s.etcd = { type: 'external' }), s)],
  ['external etcd with a bad URL', 'SPEC_BAD_URL', 'error', (s) => ((s.etcd = { type: 'external', endpoints: ['10.0.0.1:2379', 'https://10.0.0.2:2379', 'https://10.0.0.3:2379'] }), s)],
  ['2 external etcd endpoints', 'SPEC_ETCD_NO_QUORUM_TOLERANCE', 'warning', (s) => ((s.etcd = { type: 'external', endpoints: ['https://10.0.0.1:2379', 'https://10.0.0.2:2379'] }), s)],
  ['a jump host naming no host', 'SPEC_UNKNOWN_JUMP_HOST', 'error', (s) => ((s.ssh = { jumpHost: 'bastoin' }), s)],
  ['a host that jumps through itself', 'SPEC_JUMP_HOST_SELF', 'error', (s) => ((s.hosts[0]!.ssh = { jumpHost: 'lb0' }), s)],
];

describe('spec rules', () => {
  it('the base spec and the stacked variant raise nothing', () => {
    assert.deepEqual(run(base()), []);
    assert.deepEqual(run(stacked()), []);
  });

  for (const [what, code, severity, mutate] of CASES) {
    it(`${code}: ${what}`, () => {
      const found = run(mutate(base())).filter((d) => d.code === code);
      assert.ok(found.length > 0, `expected ${code}, got ${codes(mutate(base())).join(', ') || 'nothing'}`);
      assert.equal(found[0]?.severity, severity);
    });
  }

  it('every code a rule declares is exercised by a case above', () => {
    const tested = new Set(CASES.map((c) => c.at(1) as string));
    const declared = specRules.flatMap((r) => r.codes);
    assert.deepEqual(
      declared.filter((c) => !tested.has(c)),
      [],
    );
  });

  it('unknown roles get a did-you-mean hint', () => {
    const s = base();
    s.hosts[5]!.roles = ['mastr'];
    const d = runSpecRules(s, applyDefaults(s)).find((x) => x.code === 'SPEC_UNKNOWN_ROLE');
    assert.match(d?.hint ?? '', /did you mean "master"/);
  });

  it('role aliases are not unknown roles', () => {
    const s = base();
    s.hosts[2]!.roles = ['master', 'etcd'];
    s.hosts[0]!.roles = ['lb'];
    s.hosts[5]!.roles = ['node'];
    assert.deepEqual(codes(s), []);
  });

  it('jump hosts given as user@address:port or FQDN are accepted', () => {
    const s = base();
    s.ssh = { jumpHost: 'ops@203.0.113.7:2222' };
    s.hosts[1]!.ssh = { jumpHost: 'bastion.example.com' };
    s.hosts[2]!.ssh = { jumpHost: 'lb0' };
    assert.deepEqual(codes(s), []);
  });

  it('the port-mismatch message names the bypass when the endpoint is the apiserver port (seed 003)', () => {
    const s = stacked();
    s.loadBalancer.port = 16443;
    s.controlPlane = { endpoint: { port: 6443 } };
    const d = runSpecRules(s, applyDefaults(s)).find((x) => x.code === 'SPEC_ENDPOINT_PORT_MISMATCH');
    assert.match(d?.message ?? '', /bypass HAProxy/);
    assert.match(d?.hint ?? '', /16443/);
  });

  it('even etcd counts say how many failures they tolerate, and --force makes them a warning', () => {
    const four = base();
    four.hosts[5]!.roles = ['worker', 'etcd'];
    const d = runSpecRules(four, applyDefaults(four)).find((x) => x.code === 'SPEC_ETCD_EVEN_MEMBERS');
    assert.match(d?.message ?? '', /⌊\(n-1\)\/2⌋ failures, so 4 tolerate 1, like 3/);
    assert.match(d?.hint ?? '', /--force/);
    const two = base();
    two.hosts[4]!.roles = ['control-plane'];
    const d2 = runSpecRules(two, applyDefaults(two)).find((x) => x.code === 'SPEC_ETCD_EVEN_MEMBERS');
    assert.match(d2?.message ?? '', /so 2 tolerate 0, like 1/);
    for (const s of [two, four]) {
      const forced = runSpecRules(s, applyDefaults(s), undefined, undefined, { force: true });
      assert.deepEqual(
        forced.map((x) => [x.code, x.severity]),
        [['SPEC_ETCD_EVEN_MEMBERS', 'warning']],
      );
      assert.match(forced[0]?.message ?? '', /--force/);
    }
  });

  it('--force turns no other error into a warning', () => {
    for (const [what, code, severity, mutate] of CASES) {
      if (severity !== 'error' || code === 'SPEC_ETCD_EVEN_MEMBERS') continue;
      const forced = runSpecRules(mutate(base()), applyDefaults(mutate(base())), undefined, undefined, { force: true });
      assert.ok(
        forced.some((x) => x.code === code && x.severity === 'error'),
        what,
      );
    }
  });

  it('3 and 5 etcd members, and 1, are not refused', () => {
    const five = base();
    five.hosts.push({ name: 'etcd4', address: '10.77.0.41', roles: ['etcd'] }, { name: 'etcd5', address: '10.77.0.42', roles: ['etcd'] });
    five.hosts[5]!.roles = ['worker'];
    assert.deepEqual(codes(five).filter((c) => c.startsWith('SPEC_ETCD')), []);
    const one = base();
    one.hosts[3]!.roles = ['control-plane'];
    one.hosts[4]!.roles = ['control-plane'];
    assert.deepEqual(run(one), [{ code: 'SPEC_ETCD_NO_QUORUM_TOLERANCE', severity: 'warning' }]);
  });

  it('endpoint domains: a public name and one outside the cluster domain raise nothing; .local says /etc/hosts only', () => {
    const pub = base();
    pub.controlPlane = { endpoint: { domain: 'api.example.com' } };
    assert.deepEqual(codes(pub), []);
    const other = base();
    other.controlPlane = { endpoint: { domain: 'api.cluster.local' } };
    other.network = { dnsDomain: 'k8s.internal' };
    const d = runSpecRules(other, applyDefaults(other));
    assert.deepEqual(
      d.map((x) => x.code),
      ['SPEC_DOMAIN_HOSTS_FILE_ONLY'],
    );
    assert.match(d[0]?.message ?? '', /\/etc\/hosts block kubeha writes on the 6 hosts of this spec \(api\.cluster\.local → 10\.77\.0\.10\): no public DNS serves \.local/);
    const single = base();
    single.controlPlane = { endpoint: { domain: 'kubeapi' } };
    assert.match(runSpecRules(single, applyDefaults(single))[0]?.message ?? '', /single-label/);
  });

  it('controlPlane.mode and its deprecated alias installer: equal values are fine, mode is what counts', () => {
    const both = base();
    both.controlPlane = { mode: 'kubeadm', installer: 'kubeadm' };
    assert.deepEqual(codes(both), ['SPEC_INSTALLER_DEPRECATED']);
    assert.equal(applyDefaults(both).controlPlane.installer, 'kubeadm');
    const old = base();
    old.controlPlane = { installer: 'kubekey' };
    assert.equal(applyDefaults(old).controlPlane.installer, 'kubekey');
    const mode = base();
    mode.controlPlane = { mode: 'kubeadm' };
    assert.deepEqual(codes(mode), []);
    assert.equal(applyDefaults(base()).controlPlane.installer, 'binary');
  });

  it('VRRPv3 adverts of 0.01, 0.2, 0.35, 1 and 40.95 s are fine; VRRPv2 with authSecret is fine', () => {
    for (const advertInt of [0.01, 0.2, 0.35, 1, 40.95]) {
      const s = base();
      s.loadBalancer.advertInt = advertInt;
      assert.deepEqual(codes(s), [], String(advertInt));
    }
    const v2 = base();
    v2.loadBalancer = { ...v2.loadBalancer, vrrpVersion: 2, authSecret: 'vrrp' };
    assert.deepEqual(codes(v2), []);
  });

  it('a VIP inside the pod CIDR is named as such', () => {
    const s = base();
    s.network = { podCIDR: '10.77.0.10/32' };
    const ds = runSpecRules(s, applyDefaults(s));
    assert.deepEqual(
      ds.map((d) => d.code),
      ['SPEC_CIDR_OVERLAP'],
    );
    assert.match(ds[0]?.message ?? '', /loadBalancer\.vip 10\.77\.0\.10 lies inside network\.podCIDR/);
  });

  it('a wider hostCIDR accepts a VIP outside the LB hosts\' /24', () => {
    const s = base();
    s.network = { hostCIDR: '10.77.0.0/16' };
    s.loadBalancer.vip = '10.77.5.10';
    assert.deepEqual(codes(s), []);
  });

  it('every diagnostic has a hint', () => {
    for (const [, , , mutate] of CASES) for (const d of runSpecRules(mutate(base()), applyDefaults(mutate(base())))) assert.ok(d.hint && d.hint.length > 10, d.code);
  });
});
