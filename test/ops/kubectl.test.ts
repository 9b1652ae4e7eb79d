import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kubectlArgv } from '../../src/ops/kubectl.js';

test('kubectl runs in the namespace when there is one, with its kubeconfig, and checks a domain by name', () => {
  assert.deepEqual(kubectlArgv('/c/bin/kubectl', '/t/admin.conf', ['get', 'ns'], {}), ['/c/bin/kubectl', '--kubeconfig', '/t/admin.conf', 'get', 'ns']);
  assert.deepEqual(kubectlArgv('/c/bin/kubectl', '/t/admin.conf', ['version'], { netns: 'kubeha-x-taskbox', tlsServerName: 'api.example.com' }), [
    'ip', 'netns', 'exec', 'kubeha-x-taskbox', '/c/bin/kubectl', '--kubeconfig', '/t/admin.conf', '--tls-server-name', 'api.example.com', 'version',
  ]);
});
