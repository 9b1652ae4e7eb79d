import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HOST_PATHS, INDEX_FILE, MANIFEST_FILE, MANIFEST_PATH, hostFileInMirror } from '../../src/model/mirror-layout.js';

test('a host file lies under the host folder at its real path', () => {
  assert.equal(hostFileInMirror('lb0', HOST_PATHS.haproxy), 'lb0/etc/haproxy/haproxy.cfg');
  assert.equal(hostFileInMirror('lb0', '//etc/hosts'), 'lb0/etc/hosts');
  assert.equal(hostFileInMirror('m1', 'etc/sysctl.conf'), 'm1/etc/sysctl.conf');
});

test('the manifest and the index sit at the root of the mirror', () => {
  assert.equal(MANIFEST_FILE, 'hosts.yaml');
  assert.equal(MANIFEST_PATH, '/hosts.yaml');
  assert.equal(INDEX_FILE, '.kubeha-files');
});
