import { test } from 'node:test';
import { parseSpec } from '../../src/cluster-spec/load.js';
import assert from 'node:assert/strict';
import { renderDiagnostic } from '../../src/diag/render.js';
import { expandAnsibleRange, sniffFormat } from '../../src/interop/import-common.js';
import { importAnsible } from '../../src/interop/ansible/import.js';
import { importedSpecYaml } from '../../src/interop/import-yaml.js';
import { everythingShown, fixture } from './import-helpers.js';

const HOSTS = 'seed001-hosts.ini';
const COMMON = 'seed001-common.yaml';
const seed001 = (withVars = true) => importAnsible(fixture(HOSTS), HOSTS, withVars ? { vars: { file: COMMON, text: fixture(COMMON) } } : {});

test('seed 001 hosts.ini + common.yaml: hosts, roles, the cloud LB as endpoint', () => {
  const r = seed001();
  assert.ok(r.spec, JSON.stringify(r.diagnostics.filter((d) => d.severity === 'error')));
  assert.deepEqual(
    r.spec.hosts.map((h) => [h.name, h.address, h.roles.join('+')]),
    [
      ['master1', '192.168.0.1', 'control-plane+etcd'],
      ['master2', '192.168.0.2', 'control-plane+etcd'],
      ['master3', '192.168.0.3', 'control-plane+etcd'],
      ['node1', '192.168.0.4', 'worker'],
      ['node2', '192.168.0.5', 'worker'],
      ['node3', '192.168.0.6', 'worker'],
    ],
  );
  assert.deepEqual(r.spec.loadBalancer, { mode: 'external', vip: '192.168.0.253', port: 6443 });
  // apiserver_loadbalancer_domain_name is commented out in the seed: no domain is invented.
  assert.deepEqual(r.spec.controlPlane?.endpoint, { address: '192.168.0.253', port: 6443 });
  const lb = r.diagnostics.find((d) => d.code === 'IMPORT_EXTERNAL_LB');
  assert.equal(lb?.file, COMMON);
  assert.equal(lb?.line, 4);
  // ansible_connection=local is noted and kept.
  assert.ok(r.diagnostics.some((d) => d.code === 'IMPORT_LOCAL_CONNECTION' && d.line === 2));
  const ans = r.spec.passthrough?.['ansible'] as { hostVars: Record<string, Record<string, string>>; groups: Record<string, { children?: string[] }> };
  assert.equal(ans.hostVars['master1']?.['ansible_connection'], 'local');
  assert.deepEqual(ans.groups['k8s-cluster']?.children, ['kube-node', 'kube-master']);
});

test('seed 001: ansible_ssh_pass is a warning per host with file:line:col and never shown', () => {
  const r = seed001();
  const w = r.diagnostics.filter((d) => d.code === 'IMPORT_PLAINTEXT_PASSWORD');
  assert.deepEqual(
    w.map((d) => [d.severity, d.line, d.col]),
    [
      ['warning', 3, 69],
      ['warning', 4, 69],
      ['warning', 5, 67],
      ['warning', 6, 67],
      ['warning', 7, 67],
    ],
  );
  const text = renderDiagnostic(w[0] ?? { code: 'IMPORT_PLAINTEXT_PASSWORD', severity: 'info', message: '' });
  assert.match(text, /^seed001-hosts\.ini:3:69: warning\[IMPORT_PLAINTEXT_PASSWORD\]/);
  assert.match(text, /ansible_ssh_pass=\*+\n/);
  // The seed's password is literally "PASSWORD"; no output shows it (messages say "password" in lower case).
  assert.ok(!everythingShown(r).includes('=PASSWORD'));
  assert.ok(!everythingShown(r).includes(': PASSWORD'));
  assert.ok(!/PASSWORD/.test(JSON.stringify(r.spec)));
});

test('seed 001 without the vars file: the endpoint falls back to the first master, with a warning', () => {
  const r = seed001(false);
  assert.ok(r.spec);
  assert.equal(r.spec.loadBalancer.vip, '192.168.0.1');
  assert.equal(r.diagnostics.find((d) => d.code === 'IMPORT_NO_LB_ADDRESS')?.severity, 'warning');
});

test('kubespray inventory: kube_control_plane/kube_node, ranges, :children, group vars, vars file', () => {
  const r = importAnsible(fixture('kubespray-inventory.ini'), 'inv.ini', { name: 'Lab', vars: { file: 'k8s-cluster.yml', text: fixture('kubespray-k8s-cluster.yml') } });
  assert.ok(r.spec, JSON.stringify(r.diagnostics.filter((d) => d.severity === 'error')));
  const s = r.spec;
  assert.equal(s.metadata.name, 'lab');
  assert.deepEqual(
    s.hosts.map((h) => [h.name, h.address, h.roles.join('+'), h.ssh?.port]),
    [
      ['cp1', '10.1.0.11', 'control-plane+etcd', undefined],
      ['cp2', '10.1.0.12', 'control-plane+etcd', undefined],
      ['cp3', '10.1.0.13', 'control-plane+etcd', undefined],
      ['worker01', '10.1.0.21', 'worker', 2222],
      ['worker02', '10.1.0.22', 'worker', 2222],
      ['worker03', '10.1.0.23', 'worker', 2222],
    ],
  );
  assert.deepEqual(s.ssh, { user: 'deploy', keyFile: '~/.ssh/k8s_ed25519' });
  assert.deepEqual(s.loadBalancer, { mode: 'external', vip: '10.1.0.100', port: 8383 });
  assert.deepEqual(s.controlPlane?.endpoint, { address: '10.1.0.100', domain: 'k8s.example.internal', port: 8383 });
  assert.equal(s.controlPlane?.version, 'v1.29.3');
  assert.deepEqual(s.network, { plugin: 'cilium', podCIDR: '10.233.64.0/18', serviceCIDR: '10.233.0.0/18' });
  const ans = s.passthrough?.['ansible'] as { vars: Record<string, unknown>; groups: Record<string, unknown> };
  assert.equal(ans.vars['kube_proxy_mode'], 'ipvs');
  assert.equal(ans.vars['dns_domain'], '{{ cluster_name }}', 'templates are kept, not evaluated');
  assert.ok(r.diagnostics.some((d) => d.code === 'IMPORT_TEMPLATE' && d.file === 'k8s-cluster.yml' && d.line === 8));
  assert.ok('calico_rr' in (ans.groups['k8s_cluster'] as { children: string[] }).children.reduce((o, c) => ({ ...o, [c]: 1 }), {}));
  assert.ok(r.diagnostics.some((d) => d.code === 'IMPORT_PLAINTEXT_PASSWORD' && d.line === 32));
  assert.ok(!everythingShown(r).includes('Become-S3cret-77'));
});

test('ansible ranges: zero padding, letters, strides; malformed ones are errors', () => {
  assert.deepEqual(expandAnsibleRange('node[01:03]'), ['node01', 'node02', 'node03']);
  assert.deepEqual(expandAnsibleRange('db-[a:c].lan'), ['db-a.lan', 'db-b.lan', 'db-c.lan']);
  assert.deepEqual(expandAnsibleRange('w[1:6:2]'), ['w1', 'w3', 'w5']);
  assert.deepEqual(expandAnsibleRange('r[1:2]x[a:b]'), ['r1xa', 'r1xb', 'r2xa', 'r2xb']);
  assert.equal(expandAnsibleRange('plain'), undefined);
  assert.ok('error' in (expandAnsibleRange('n[3:1]') as object));
  assert.ok('error' in (expandAnsibleRange('n[1:') as object));
});

test('an empty master group is an error at its header', () => {
  const r = importAnsible('[all]\nm1 ip=10.0.0.1\nw1 ip=10.0.0.2\n\n[kube-master]\n\n[kube-node]\nw1\n[etcd]\nm1\n', 'e.ini');
  assert.equal(r.spec, undefined);
  const e = r.diagnostics.find((d) => d.severity === 'error');
  assert.deepEqual([e?.code, e?.line, e?.col, e?.length], ['IMPORT_EMPTY_MASTER_GROUP', 5, 1, 13]);
  assert.match(e?.hint ?? '', /kube-master/);
});

test('malformed lines, unknown :children groups, missing addresses: errors with position and hint', () => {
  const bad = importAnsible('[all]\nm1 ip=10.0.0.1 ansible_user\n[kube-master]\nm1\n', 'b.ini');
  assert.deepEqual(bad.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.code, d.line, d.col]), [['IMPORT_INI_SYNTAX', 2, 16]]);
  assert.ok(bad.diagnostics[0]?.hint);

  const header = importAnsible('[all\nm1 ip=10.0.0.1\n', 'h.ini');
  assert.deepEqual(header.diagnostics.map((d) => [d.code, d.line, d.col]), [['IMPORT_INI_SYNTAX', 1, 1]]);

  const child = importAnsible('[all]\nm1 ip=10.0.0.1\n[kube-master]\nm1\n[k8s-cluster:children]\nkube-master\nkube-nodes\n[kube-node]\nm1\n', 'c.ini');
  const e = child.diagnostics.find((d) => d.code === 'IMPORT_UNKNOWN_GROUP');
  assert.deepEqual([e?.line, e?.col, e?.length], [7, 1, 10]);
  assert.match(e?.hint ?? '', /did you mean kube-node/);

  const noAddr = importAnsible('[kube-master]\nmaster1\n', 'n.ini');
  assert.deepEqual(noAddr.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.code, d.line]), [['IMPORT_MISSING_FIELD', 2]]);

  const noCp = importAnsible('[all]\nm1 ip=10.0.0.1\n[kube-node]\nm1\n', 'x.ini');
  assert.equal(noCp.diagnostics.find((d) => d.severity === 'error')?.code, 'IMPORT_NO_CONTROL_PLANE');
});

test('a bad vars file is reported in its own file', () => {
  const r = importAnsible(fixture(HOSTS), HOSTS, { vars: { file: 'v.yaml', text: 'loadbalancer_apiserver:\n  address: [\n' } });
  const e = r.diagnostics.find((d) => d.severity === 'error');
  assert.equal(e?.file, 'v.yaml');
  assert.equal(e?.code, 'IMPORT_YAML_SYNTAX');
});

test('every imported inventory passes parseSpec (kubeha check) without errors', () => {
  const results = [seed001(), seed001(false), importAnsible(fixture('kubespray-inventory.ini'), 'inv.ini', { vars: { file: 'k.yml', text: fixture('kubespray-k8s-cluster.yml') } })];
  for (const r of results) {
    assert.ok(r.spec, r.source);
    const checked = parseSpec(importedSpecYaml(r.spec, r.source, r.diagnostics), 'imported.yaml');
    assert.deepEqual(checked.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code}: ${d.message}`), [], r.source);
  }
});

test('YAML inventory (kubespray hosts.yaml): nested children, ranges as keys, group vars', () => {
  const r = importAnsible(fixture('kubespray-hosts.yaml'), 'hosts.yaml');
  assert.ok(r.spec, JSON.stringify(r.diagnostics.filter((d) => d.severity === 'error')));
  assert.deepEqual(
    r.spec.hosts.map((h) => [h.name, h.address, h.roles.join('+')]),
    [
      ['node1', '10.2.0.11', 'control-plane+etcd'],
      ['node2', '10.2.0.12', 'control-plane+etcd'],
      ['node3', '10.2.0.13', 'control-plane+etcd'],
      ['node4', '10.2.0.14', 'worker'],
    ],
  );
  assert.deepEqual(r.spec.ssh, { user: 'admin' });
  assert.equal(r.spec.controlPlane?.version, 'v1.30.4');
  const pw = r.diagnostics.find((d) => d.code === 'IMPORT_PLAINTEXT_PASSWORD');
  assert.deepEqual([pw?.line, pw?.col], [17, 25]);
  assert.ok(!everythingShown(r).includes('Yaml-Inv-Secret-9'));
  const bad = importAnsible('all:\n  children:\n    kube_control_plane:\n      hostz: {a: {ip: 10.0.0.1}}\n', 'b.yaml');
  assert.deepEqual(bad.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.code, d.line]), [['IMPORT_INI_SYNTAX', 4]]);
});

test('kubespray [bastion] becomes ssh.jumpHost', () => {
  const inv = `[all]
bastion ansible_host=203.0.113.9 ansible_user=jump
cp1 ip=10.0.0.11
cp2 ip=10.0.0.12
cp3 ip=10.0.0.13

[bastion]
bastion

[kube_control_plane]
cp[1:3]

[etcd:children]
kube_control_plane

[kube_node:children]
kube_control_plane
`;
  const r = importAnsible(inv, 'b.ini', { vars: { file: 'v.yml', text: 'loadbalancer_apiserver: {address: 10.0.0.100, port: 6443}\n' } });
  assert.ok(r.spec, JSON.stringify(r.diagnostics));
  assert.deepEqual(r.spec.ssh, { jumpHost: 'jump@203.0.113.9' });
  assert.deepEqual(r.spec.hosts.map((h) => h.name), ['cp1', 'cp2', 'cp3']);
  assert.ok(r.diagnostics.some((d) => d.code === 'IMPORT_BASTION' && d.line === 2));
  assert.ok(!r.diagnostics.some((d) => d.code === 'IMPORT_HOST_WITHOUT_ROLE'));
});

test('loadbalancer_apiserver written inline in [all:vars] is read as a flow mapping', () => {
  const inv = '[all]\ncp1 ip=10.0.0.11\n[kube_control_plane]\ncp1\n[all:vars]\nloadbalancer_apiserver={"address": "10.0.0.100", "port": 8443}\n';
  const r = importAnsible(inv, 'i.ini');
  assert.deepEqual(r.spec?.loadBalancer, { mode: 'external', vip: '10.0.0.100', port: 8443 });
  const bad = importAnsible(inv.replace(/\{.*\}/, 'yes'), 'i.ini');
  assert.equal(bad.diagnostics.find((d) => d.code === 'IMPORT_BAD_VALUE')?.line, 6);
});

test('the wrong importer for the file says which one to use (one diagnostic, not a cascade)', () => {
  assert.deepEqual(sniffFormat('# inventory\n\n[kube_control_plane]\ncp1\n'), { format: 'ini-inventory', line: 3, length: 20 });
  assert.equal(sniffFormat('apiVersion: kubekey.kubesphere.io/v1alpha2 # x\nkind: Cluster\n')?.format, 'kubekey');
  assert.equal(sniffFormat('kind: Cluster\napiVersion: kubeha.io/v1alpha1\n')?.line, 2);
  assert.equal(sniffFormat('all:\n  hosts:\n    cp1:\n'), undefined);
  const spec = importAnsible('apiVersion: kubeha.io/v1alpha1\nkind: Cluster\nmetadata: {name: x}\n', 'c.yaml');
  assert.deepEqual(spec.diagnostics.map((d) => [d.code, d.line, d.col]), [['IMPORT_WRONG_FORMAT', 1, 1]]);
  assert.match(spec.diagnostics[0]?.hint ?? '', /kubeha check/);
});

test('ansible: a garbled line quoting a secret that a later line names is masked in the error too (found by fuzzing)', () => {
  const ini = ['[kube_control_plane]', 'cp1 ansible_host=10.1.0.11', '[all:vars]', 'ansible_        assword=Become-S3cret-77', 'ansible_become_password=Become-S3cret-77'].join('\n');
  const r = importAnsible(ini, 'x.ini');
  assert.ok(r.diagnostics.some((d) => d.code === 'IMPORT_INI_SYNTAX' && d.line === 4), JSON.stringify(r.diagnostics));
  assert.ok(!everythingShown(r).includes('Become-S3cret-77'));
});

test('ansible: a secret inside another variable (join args, a garbled line) is masked everywhere and reported (found by fuzzing)', () => {
  const ini = [
    '[all]',
    'cp1 ansible_host=10.1.0.11 host_args="--token=HOSTTOKEN123"',
    '[kube_control_plane]',
    'cp1',
    '[etcd]',
    'cp1',
    '[kube_node]',
    'cp1',
    '[all:vars]',
    'a=sible_become_password=Become-S3cret-77',
    'join_args="--token=abcdef.0123456789abcdef --discovery-token-unsafe-skip-ca-verification"',
    'kubelet_flags="--authentication-token-webhook=true"',
  ].join('\n');
  const r = importAnsible(ini, 'x.ini', { vars: { file: 'v.yml', text: 'extra: "--client-secret=VarsFileSecret1"\n' } });
  const shown = everythingShown(r);
  for (const secret of ['HOSTTOKEN123', 'Become-S3cret-77', 'abcdef.0123456789abcdef', 'VarsFileSecret1']) assert.ok(!shown.includes(secret), secret);
  const warned = r.diagnostics.filter((d) => d.code === 'IMPORT_PLAINTEXT_SECRET').map((d) => `${d.file ?? ''}:${d.line ?? 0}`);
  assert.deepEqual(warned.sort(), ['v.yml:1', 'x.ini:10', 'x.ini:11', 'x.ini:2']);
  assert.match(JSON.stringify(r.spec?.passthrough), /--authentication-token-webhook=true/);
});
