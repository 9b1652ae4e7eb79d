import { test } from 'node:test';
import { parseSpec } from '../../src/cluster-spec/load.js';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { renderKubekeyConfig } from '../../src/interop/kubekey/export.js';
import { importKubekey } from '../../src/interop/kubekey/import.js';
import { importedSpecYaml } from '../../src/interop/import-yaml.js';
import type { ClusterSpec, Host } from '../../src/cluster-spec/types.js';
import { fixture } from './import-helpers.js';

const ssh = { user: 'root', port: 22, keyFile: '~/.ssh/kubeha' };
const host = (name: string, address: string, roles: Host['roles']): Host => ({ name, address, roles, ssh, interface: 'eth0', labels: {} });

/** A dedicated-LB cluster as the spec loader would produce it (defaults applied). */
function dedicated(): ClusterSpec {
  return {
    name: 'prod',
    ssh,
    hosts: [
      host('lb0', '10.0.0.5', ['loadbalancer']),
      host('lb1', '10.0.0.6', ['loadbalancer']),
      host('m1', '10.0.0.11', ['control-plane', 'etcd']),
      host('m2', '10.0.0.12', ['control-plane', 'etcd']),
      host('m3', '10.0.0.13', ['control-plane', 'etcd']),
      { ...host('w1', '10.0.0.21', ['worker']), labels: { disk: 'ssd' }, ssh: { user: 'ubuntu', port: 2222 } },
    ],
    loadBalancer: {
      mode: 'keepalived-haproxy',
      vip: '10.0.0.100',
      port: 6443,
      interface: 'eth0',
      virtualRouterId: 51,
      vrrpVersion: 3,
      advertInt: 0.2,
      authSecret: 'vrrp-auth',
      unicast: true,
      healthCheck: { path: '/readyz', interMs: 1000, fall: 2, rise: 2 },
      timeouts: { connectMs: 5000, clientMs: 60000, serverMs: 60000, tunnelMs: 14400000 },
      stats: 'socket',
      hairpin: false,
    },
    controlPlane: {
      endpoint: { address: '10.0.0.100', domain: 'api.prod.example', port: 6443 },
      apiserverPort: 6443,
      certSANs: ['api.prod.example'],
      version: 'v1.30.4',
      installer: 'kubeadm',
      nodePackages: [],
    },
    etcd: { type: 'stacked', endpoints: [] },
    network: { plugin: 'calico', podCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12', dnsDomain: 'cluster.local' },
    passthrough: {},
  };
}

function kkDoc(text: string): Record<string, unknown> & { spec: Record<string, unknown> } {
  const docs = parseAllDocuments(text);
  assert.ok(Array.isArray(docs));
  for (const d of docs) assert.deepEqual(d.errors, []);
  return docs[0]?.toJS() as Record<string, unknown> & { spec: Record<string, unknown> };
}

test('export: v1alpha2 Cluster whose endpoint is our VIP and port, LB hosts left out, keys not passwords', () => {
  const { text, notes } = renderKubekeyConfig(dedicated());
  const doc = kkDoc(text);
  assert.equal(doc['apiVersion'], 'kubekey.kubesphere.io/v1alpha2');
  assert.equal(doc['kind'], 'Cluster');
  assert.deepEqual(doc['metadata'], { name: 'prod' });
  assert.deepEqual(doc.spec['controlPlaneEndpoint'], { domain: 'api.prod.example', address: '10.0.0.100', port: 6443 });
  assert.doesNotMatch(text, /internalLoadbalancer:/);
  const hosts = doc.spec['hosts'] as Record<string, unknown>[];
  assert.deepEqual(
    hosts.map((h) => h['name']),
    ['m1', 'm2', 'm3', 'w1'],
  );
  assert.deepEqual(hosts[0], { name: 'm1', address: '10.0.0.11', internalAddress: '10.0.0.11', user: 'root', privateKeyPath: '~/.ssh/kubeha' });
  assert.deepEqual(hosts[3], { name: 'w1', address: '10.0.0.21', internalAddress: '10.0.0.21', port: 2222, user: 'ubuntu', privateKeyPath: '~/.ssh/id_rsa', labels: { disk: 'ssd' } });
  assert.doesNotMatch(text, /^\s*password:/im);
  assert.deepEqual(doc.spec['roleGroups'], { etcd: ['m1', 'm2', 'm3'], 'control-plane': ['m1', 'm2', 'm3'], worker: ['w1'] });
  assert.deepEqual(doc.spec['kubernetes'], { version: 'v1.30.4', clusterName: 'cluster.local', dnsDomain: 'cluster.local', apiserverCertExtraSans: ['api.prod.example'] });
  assert.deepEqual(doc.spec['network'], { plugin: 'calico', kubePodsCIDR: '10.244.0.0/16', kubeServiceCIDR: '10.96.0.0/12' });
  assert.deepEqual(doc.spec['etcd'], { type: 'kubekey' });
  assert.match(text, /^# KubeKey config exported by kubeha/);
  assert.match(text, /kubeha's VIP 10\.0\.0\.100:6443/);
  assert.ok(notes.some((n) => /lb0, lb1/.test(n)));
});

test('export: a stacked cluster without etcd roles puts etcd on the control-plane hosts; no domain gets KubeKey\'s default', () => {
  const s = dedicated();
  s.hosts = s.hosts.filter((h) => !h.roles.includes('loadbalancer')).map((h) => ({ ...h, roles: h.roles.filter((r) => r !== 'etcd') }));
  s.loadBalancer = { ...s.loadBalancer, mode: 'stacked', port: 8443 };
  s.controlPlane = { ...s.controlPlane, endpoint: { address: '10.0.0.100', port: 8443 } };
  s.hosts = s.hosts.map((h) => (h.name === 'w1' ? { ...h, ssh: { ...h.ssh, jumpHost: 'bastion.example' } } : h));
  s.controlPlane = { ...s.controlPlane, apiserverPort: 7443 };
  const { text, notes } = renderKubekeyConfig(s);
  const doc = kkDoc(text);
  assert.ok(notes.some((n) => /jump host.*w1/.test(n)));
  assert.ok(notes.some((n) => /7443/.test(n)));
  assert.deepEqual((doc.spec['roleGroups'] as Record<string, string[]>)['etcd'], ['m1', 'm2', 'm3']);
  assert.deepEqual(doc.spec['controlPlaneEndpoint'], { domain: 'lb.kubesphere.local', address: '10.0.0.100', port: 8443 });
});

test('round trip: seed 000 imported then exported keeps hosts, roles, endpoint, passthrough and the ks-installer document', () => {
  const imported = importKubekey(fixture('seed000-config-sample.yaml'), 'seed000.yaml');
  assert.ok(imported.spec);
  const checked = parseSpec(importedSpecYaml(imported.spec, imported.source, imported.diagnostics), 'cluster.yaml');
  assert.ok(checked.spec, JSON.stringify(checked.diagnostics));
  const { text } = renderKubekeyConfig(checked.spec);
  assert.doesNotMatch(text, /P@ssw0rd/);
  const docs = parseAllDocuments(text);
  assert.ok(Array.isArray(docs) && docs.length === 2);
  assert.equal((docs[1]?.toJS() as { kind?: string }).kind, 'ClusterConfiguration');
  const doc = kkDoc(text);
  assert.deepEqual(doc.spec['controlPlaneEndpoint'], { domain: 'lb.kubesphere.local', address: '10.10.71.67', port: 6443 });
  assert.deepEqual(doc.spec['roleGroups'], {
    etcd: ['master1', 'master2', 'master3'],
    'control-plane': ['master1', 'master2', 'master3'],
    worker: ['node1', 'node2', 'node3'],
  });
  assert.equal((doc.spec['kubernetes'] as Record<string, unknown>)['proxyMode'], 'ipvs');
  assert.deepEqual((doc.spec['storage'] as Record<string, unknown>)['localVolume'], { storageClassName: 'local' });

  // And importing the export again gives the same hosts, roles and endpoint.
  const again = importKubekey(text, 'exported.yaml');
  assert.ok(again.spec, JSON.stringify(again.diagnostics.filter((d) => d.severity === 'error')));
  assert.deepEqual(
    again.spec.hosts.map((h) => [h.name, h.address, h.roles]),
    imported.spec.hosts.map((h) => [h.name, h.address, h.roles]),
  );
  assert.deepEqual(again.spec.loadBalancer, imported.spec.loadBalancer);
  assert.deepEqual(again.spec.controlPlane?.endpoint, imported.spec.controlPlane?.endpoint);
  assert.equal(again.diagnostics.filter((d) => d.code === 'IMPORT_PLAINTEXT_PASSWORD').length, 0, 'the export holds no password');
});

test('round trip of the v1alpha2 example keeps SSH addresses, host extras and non-kubeha role groups; drops kube-vip and redacted secrets', () => {
  const imported = importKubekey(fixture('kubekey-v1alpha2.yaml'), 'kk2.yaml');
  assert.ok(imported.spec);
  const checked = parseSpec(importedSpecYaml(imported.spec, imported.source, imported.diagnostics), 'cluster.yaml');
  assert.ok(checked.spec, JSON.stringify(checked.diagnostics));
  const { text, notes } = renderKubekeyConfig(checked.spec);
  const doc = kkDoc(text);
  const hosts = doc.spec['hosts'] as Record<string, unknown>[];
  assert.equal(hosts.find((h) => h['name'] === 'node4')?.['address'], '203.0.113.5');
  assert.equal(hosts.find((h) => h['name'] === 'node3')?.['arch'], 'arm64');
  assert.equal(hosts.find((h) => h['name'] === 'registry1')?.['internalAddress'], '172.16.0.9');
  assert.deepEqual((doc.spec['roleGroups'] as Record<string, unknown>)['registry'], ['registry1']);
  assert.doesNotMatch(text, /^\s*internalLoadbalancer:|kube-vip|redacted|Harbor-Pa55|Qcloud@123|^\s*password:/im);
  assert.ok(notes.some((n) => /internalLoadbalancer/.test(n)));
  assert.ok(notes.some((n) => /registry\.auths/.test(n)));
  assert.equal((doc.spec['registry'] as Record<string, unknown>)['privateRegistry'], 'dockerhub.kubekey.local');
});
