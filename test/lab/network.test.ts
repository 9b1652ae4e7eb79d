import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labNetworkBatches } from '../../src/lab/network.js';
import { planLab } from '../../src/lab/plan.js';

const { plan } = planLab({
  lab: 'demo',
  hosts: [
    { name: 'lb0', address: '10.77.0.11' },
    { name: 'm0', address: '10.77.0.21' },
  ],
  reserved: [],
  stateRoot: '/var/lib/kubeha/labs',
});

test('the lab network in batches: namespaces and veths from the root namespace, no address there', () => {
  assert.ok(plan);
  const { root } = labNetworkBatches(plan);
  assert.deepEqual(root.slice(0, 4), ['netns add kubeha-demo.switch', 'netns add kubeha-demo.taskbox', 'netns add kubeha-demo.lb0', 'netns add kubeha-demo.m0']);
  const lb0 = plan.hosts[0]!;
  // Each end is created directly in its namespace: nothing of the lab ever exists in the root namespace.
  assert.ok(root.includes(`link add name ${lb0.ifname} netns kubeha-demo.lb0 address ${lb0.mac} type veth peer name ${lb0.port} netns kubeha-demo.switch`));
  for (const line of root.filter((l) => l.startsWith('link add'))) assert.match(line, /^link add name \S+ netns \S+ address \S+ type veth peer name \S+ netns kubeha-demo\.switch$/);
  assert.ok(root.every((l) => !/\baddr\b|route|10\.77\./.test(l)), 'no address or route from the root namespace');
  // Namespaces before the links that go into them.
  assert.ok(root.findIndex((l) => l.startsWith('link')) > root.findLastIndex((l) => l.startsWith('netns')));
});

test('the switch holds the bridge and every port; each host and the taskbox get lo, their address and their link', () => {
  assert.ok(plan);
  const { inside } = labNetworkBatches(plan);
  assert.deepEqual([...inside.keys()].sort(), ['kubeha-demo.lb0', 'kubeha-demo.m0', 'kubeha-demo.switch', 'kubeha-demo.taskbox']);
  const sw = inside.get('kubeha-demo.switch')!;
  assert.ok(sw.indexOf(`link add ${plan.bridge} type bridge stp_state 0 forward_delay 0 mcast_snooping 0`) < sw.indexOf(`link set ${plan.hosts[0]!.port} master ${plan.bridge} up`));
  assert.equal(sw.filter((l) => / master /.test(l)).length, 3, 'taskbox + 2 hosts on the bridge');
  assert.deepEqual(inside.get('kubeha-demo.m0'), ['link set lo up', `addr add 10.77.0.21/24 dev ${plan.hosts[1]!.ifname}`, `link set ${plan.hosts[1]!.ifname} up`]);
  assert.deepEqual(inside.get('kubeha-demo.taskbox'), ['link set lo up', `addr add ${plan.taskbox.address}/24 dev ${plan.taskbox.ifname}`, `link set ${plan.taskbox.ifname} up`]);
});
