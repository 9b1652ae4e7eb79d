import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sshArgv } from '../../src/lab/ssh.js';
import { taskboxArgv } from '../../src/lab/taskbox.js';

const plan = { keyFile: '/var/lib/kubeha/labs/demo/id_ed25519', knownHostsFile: '/var/lib/kubeha/labs/demo/known_hosts', taskbox: { netns: 'kubeha-demo.taskbox', ifname: 'eth0', port: 'p--taskbox', address: '10.77.0.254', mac: '02:00:00:00:00:01' } };

test('ssh runs in the taskbox with the lab key and strict host-key checking', () => {
  const argv = sshArgv(plan, { address: '10.77.0.11' }, ['hostname']);
  assert.deepEqual(argv.slice(0, 5), ['ip', 'netns', 'exec', 'kubeha-demo.taskbox', 'ssh']);
  const opts = argv.join(' ');
  assert.match(opts, /-o StrictHostKeyChecking=yes/);
  assert.match(opts, /-o UserKnownHostsFile=\/var\/lib\/kubeha\/labs\/demo\/known_hosts/);
  assert.match(opts, /-o GlobalKnownHostsFile=\/dev\/null/);
  assert.match(opts, /-i \/var\/lib\/kubeha\/labs\/demo\/id_ed25519/);
  assert.doesNotMatch(opts, /StrictHostKeyChecking=(no|accept-new)/);
  assert.deepEqual(argv.slice(-3), ['root@10.77.0.11', '--', 'hostname']);
});

test('an interactive session asks for a tty and passes no command', () => {
  const argv = sshArgv(plan, { address: '10.77.0.12' }, [], true);
  assert.ok(argv.includes('-t'));
  assert.equal(argv.at(-1), 'root@10.77.0.12');
});

test('taskboxArgv wraps any command in ip netns exec', () => {
  assert.deepEqual(taskboxArgv(plan, ['node', 'x.js']), ['ip', 'netns', 'exec', 'kubeha-demo.taskbox', 'node', 'x.js']);
});
