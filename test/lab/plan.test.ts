import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkClashes, labInputFromSpec, planLab, type LabInput } from '../../src/lab/plan.js';
import { parseSpec } from '../../src/cluster-spec/load.js';
import { exampleSpec } from '../../src/cluster-spec/examples.js';

const DEFAULT: LabInput = {
  lab: 'demo',
  hosts: [
    { name: 'lb0', address: '10.77.0.11' },
    { name: 'lb1', address: '10.77.0.12' },
    { name: 'master1', address: '10.77.0.21' },
  ],
  reserved: ['10.77.0.254'],
  stateRoot: '/var/lib/kubeha/labs',
};

test('plans namespaces, ports, dirs and a free taskbox address', () => {
  const { plan, diagnostics } = planLab(DEFAULT);
  assert.deepEqual(diagnostics, []);
  assert.ok(plan);
  assert.equal(plan.subnet, '10.77.0.0/24');
  assert.equal(plan.assumedPrefix, true);
  // .254 is reserved (e.g. the VIP): the taskbox takes the next free one from the top.
  assert.equal(plan.taskbox.address, '10.77.0.253');
  const lb0 = plan.hosts[0];
  assert.ok(lb0);
  assert.equal(lb0.netns, 'kubeha-demo.lb0');
  assert.equal(lb0.ifname, 'eth0');
  assert.equal(lb0.merged, '/var/lib/kubeha/labs/demo/hosts/lb0/rootfs');
  assert.equal(plan.stateFile, '/var/lib/kubeha/labs/demo/state.json');
  assert.equal(new Set(plan.hosts.map((h) => h.port)).size, 3);
  assert.equal(new Set(plan.hosts.map((h) => h.mac)).size, 3);
});

test('hostCIDR is honoured and hosts outside it are named', () => {
  const { plan, diagnostics } = planLab({ ...DEFAULT, hostCIDR: '10.77.0.0/28' });
  assert.equal(plan, undefined);
  assert.deepEqual(diagnostics.map((d) => [d.code, d.host]), [['LAB_SUBNET_MISMATCH', 'master1']]);
});

test('hosts in different /24s are refused, saying the prefix was assumed', () => {
  const { diagnostics } = planLab({ ...DEFAULT, hosts: [...DEFAULT.hosts, { name: 'w1', address: '10.78.0.1' }] });
  assert.equal(diagnostics[0]?.code, 'LAB_SUBNET_MISMATCH');
  assert.match(diagnostics[0]?.message ?? '', /assumed the \/24/);
});

test('bad names and addresses give diagnostics, not a plan', () => {
  const { plan, diagnostics } = planLab({
    lab: 'Bad.Name',
    hosts: [
      { name: 'switch', address: '10.0.0.1' },
      { name: 'a', address: '10.0.0.1' },
      { name: 'b', address: '10.0.0.300' },
      { name: 'c', address: '10.0.0.2', interface: 'a-very-long-interface' },
    ],
  });
  assert.equal(plan, undefined);
  const codes = diagnostics.map((d) => d.code).sort();
  assert.deepEqual(codes, ['LAB_ADDRESS', 'LAB_DUPLICATE_ADDRESS', 'LAB_IFNAME', 'LAB_NAME', 'LAB_RESERVED_NAME']);
});

test('clashes: same name, an address of another lab, a subnet this machine uses', () => {
  const { plan } = planLab(DEFAULT);
  assert.ok(plan);
  assert.deepEqual(checkClashes(plan, [], ['192.0.2.0/24', '192.0.2.2/24', '0.0.0.0/0']), []);
  assert.deepEqual(checkClashes(plan, [{ lab: 'demo', subnet: '10.9.0.0/24', addresses: [] }], []).map((d) => d.code), ['LAB_EXISTS']);
  assert.deepEqual(checkClashes(plan, [{ lab: 'other', subnet: '10.77.0.0/24', addresses: ['10.77.0.12'] }], []).map((d) => [d.code, d.host]), [['LAB_ADDRESS_IN_USE', 'lb1']]);
  assert.deepEqual(checkClashes(plan, [], ['10.0.0.0/8']).map((d) => d.code), ['LAB_SUBNET_ON_HOST']);
});

test('the default topology from a parsed spec: 8 hosts, VIP reserved, taskbox at .254', () => {
  const { spec } = parseSpec(exampleSpec('dedicated-lb'), 'cluster.yaml');
  assert.ok(spec);
  const input = labInputFromSpec(spec, 'demo', 'cluster.yaml');
  assert.ok(input.reserved?.includes('10.77.0.10'));
  const { plan, diagnostics } = planLab(input);
  assert.deepEqual(diagnostics, []);
  assert.ok(plan);
  assert.deepEqual(plan.hosts.map((h) => `${h.name}=${h.address}`), ['lb0=10.77.0.11', 'lb1=10.77.0.12', 'master1=10.77.0.21', 'master2=10.77.0.22', 'master3=10.77.0.23', 'worker1=10.77.0.31', 'worker2=10.77.0.32', 'worker3=10.77.0.33']);
  assert.equal(plan.taskbox.address, '10.77.0.254');
  assert.ok(plan.hosts.every((h) => h.ifname === 'eth0'));
});
