import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IFNAMSIZ_MAX, bridgeName, fit, hostNetns, ifnameProblem, labNameProblem, macFor, machineName, switchNetns, switchPortName, taskboxNetns } from '../../src/lab/names.js';

test('namespace names carry the lab name, so two labs never share one', () => {
  assert.equal(hostNetns('demo', 'lb0'), 'kubeha-demo.lb0');
  assert.notEqual(hostNetns('a', 'lb0'), hostNetns('b', 'lb0'));
  assert.notEqual(switchNetns('a'), switchNetns('b'));
  assert.notEqual(taskboxNetns('a'), hostNetns('a', 'taskbox-x'));
  assert.notEqual(machineName('a', 'lb0'), machineName('b', 'lb0'));
  // Lab and host names both may hold '-': the join must not let two labs' hosts share a machine name.
  assert.notEqual(machineName('x-a', 'b'), machineName('x', 'a-b'));
});

test('interface names fit in 15 characters and stay distinct when cut', () => {
  const a = switchPortName('a-very-long-host-name-number-1');
  const b = switchPortName('a-very-long-host-name-number-2');
  assert.ok(a.length <= IFNAMSIZ_MAX && b.length <= IFNAMSIZ_MAX);
  assert.notEqual(a, b);
  assert.ok(bridgeName('a-long-lab-name-of-24-ch').length <= IFNAMSIZ_MAX);
  assert.equal(fit('short', 15), 'short');
  assert.equal(ifnameProblem('eth0'), undefined);
  assert.match(ifnameProblem('this-is-too-long0') ?? '', /longer than 15/);
});

test('lab names are DNS labels of at most 24 characters', () => {
  assert.equal(labNameProblem('demo-1'), undefined);
  assert.ok(labNameProblem('Demo'));
  assert.ok(labNameProblem('a.b'));
  assert.ok(labNameProblem('x'.repeat(25)));
});

test('MACs are stable, locally administered unicast, and differ between labs', () => {
  const m = macFor('demo', 'lb0');
  assert.match(m, /^02(:[0-9a-f]{2}){5}$/);
  assert.equal(m, macFor('demo', 'lb0'));
  assert.notEqual(m, macFor('other', 'lb0'));
});
