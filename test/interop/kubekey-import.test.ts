import { test } from 'node:test';
import { parseSpec } from '../../src/cluster-spec/load.js';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { renderDiagnostic } from '../../src/diag/render.js';
import { REDACTED, expandKubekeyRange, isSecretKey, maskSecretsInLine } from '../../src/interop/import-common.js';
import { importKubekey } from '../../src/interop/kubekey/import.js';
import { importedSpecYaml } from '../../src/interop/import-yaml.js';
import { everythingShown, fixture } from './import-helpers.js';

const SEED000 = 'seed000-config-sample.yaml';

test('seed 000 config-sample.yaml (v1alpha1 + ks-installer document): hosts, roles, endpoint, version, network', () => {
  const r = importKubekey(fixture(SEED000), SEED000);
  assert.ok(r.spec, 'imports without error');
  const s = r.spec;
  assert.equal(s.metadata.name, 'config-sample');
  assert.deepEqual(
    s.hosts.map((h) => [h.name, h.address, h.roles.join('+')]),
    [
      ['master1', '10.10.71.214', 'control-plane+etcd'],
      ['master2', '10.10.71.73', 'control-plane+etcd'],
      ['master3', '10.10.71.62', 'control-plane+etcd'],
      ['node1', '10.10.71.75', 'worker'],
      ['node2', '10.10.71.76', 'worker'],
      ['node3', '10.10.71.79', 'worker'],
    ],
  );
  // The existing LB (the VIP of seed 000's keepalived pair) becomes an external LB; port "6443" was a string.
  assert.deepEqual(s.loadBalancer, { mode: 'external', vip: '10.10.71.67', port: 6443 });
  assert.deepEqual(s.controlPlane?.endpoint, { address: '10.10.71.67', domain: 'lb.kubesphere.local', port: 6443 });
  assert.equal(s.controlPlane?.version, 'v1.17.9');
  assert.equal(s.controlPlane?.mode, 'kubekey');
  // v1alpha1 has no dnsDomain: kk uses kubernetes.clusterName as the DNS domain.
  assert.deepEqual(s.network, { dnsDomain: 'cluster.local', plugin: 'calico', podCIDR: '10.233.64.0/18', serviceCIDR: '10.233.0.0/18' });
  const info = r.diagnostics.find((d) => d.code === 'IMPORT_EXTERNAL_LB');
  assert.ok(info && info.severity === 'info' && /loadbalancer/.test(info.hint ?? '') && /keepalived-haproxy/.test(info.hint ?? ''), 'tells how to let kubeha run the LB');
});

test('seed 000: what has no place in the spec is in passthrough and listed in an info', () => {
  const r = importKubekey(fixture(SEED000), SEED000);
  const kk = r.spec?.passthrough?.['kubekey'] as { apiVersion: string; spec: Record<string, Record<string, unknown>>; documents: Record<string, unknown>[] };
  assert.equal(kk.apiVersion, 'kubekey.kubesphere.io/v1alpha1');
  assert.deepEqual(Object.keys(kk.spec).sort(), ['kubernetes', 'network', 'registry', 'storage']);
  assert.equal(kk.spec['kubernetes']?.['proxyMode'], 'ipvs');
  assert.equal(kk.spec['kubernetes']?.['imageRepo'], 'kubesphere');
  assert.deepEqual(kk.spec['network']?.['calico'], { ipipMode: 'Always', vxlanMode: 'Never', vethMTU: 1440 });
  assert.equal(kk.spec['storage']?.['defaultStorageClass'], 'localVolume');
  assert.equal(kk.documents.length, 1);
  assert.equal(kk.documents[0]?.['kind'], 'ClusterConfiguration');
  assert.equal((kk.documents[0]?.['spec'] as Record<string, { port?: number }>)['console']?.port, 30880);
  const listed = r.diagnostics.find((d) => d.code === 'IMPORT_PASSTHROUGH');
  assert.ok(listed && listed.severity === 'info');
  for (const word of ['registry', 'storage', 'proxyMode', 'calico', 'ClusterConfiguration']) assert.match(listed.message, new RegExp(word));
});

test('seed 000: each plain-text password is a warning with file:line:col and is never echoed', () => {
  const r = importKubekey(fixture(SEED000), SEED000);
  const warnings = r.diagnostics.filter((d) => d.code === 'IMPORT_PLAINTEXT_PASSWORD');
  assert.equal(warnings.length, 6);
  assert.deepEqual(
    warnings.map((w) => [w.severity, w.line]),
    [7, 8, 9, 10, 11, 12].map((l) => ['warning', l]),
  );
  assert.equal(warnings[0]?.col, 85);
  assert.match(renderDiagnostic(warnings[0] ?? { code: '', severity: 'info', message: '' }), /^seed000-config-sample\.yaml:7:85: warning\[IMPORT_PLAINTEXT_PASSWORD\]/);
  const shown = everythingShown(r);
  assert.ok(!shown.includes('P@ssw0rd'), 'the password appears nowhere');
  assert.ok(!/password/i.test(JSON.stringify(r.spec?.hosts)), 'hosts carry no password field');
});

test('the written YAML has a header saying where it came from, and parses back to the same spec', () => {
  const r = importKubekey(fixture(SEED000), SEED000);
  assert.ok(r.spec);
  const text = importedSpecYaml(r.spec, r.source, r.diagnostics);
  assert.match(text.split('\n')[0] ?? '', /^# kubeha spec imported from KubeKey config seed000-config-sample\.yaml/);
  assert.deepEqual(parse(text), JSON.parse(JSON.stringify(r.spec)));
});

test('v1alpha2: control-plane group, ranges, kube-vip, keys, labels, two addresses, registry secrets', () => {
  const r = importKubekey(fixture('kubekey-v1alpha2.yaml'), 'kk2.yaml');
  assert.ok(r.spec, JSON.stringify(r.diagnostics.filter((d) => d.severity === 'error')));
  const s = r.spec;
  assert.equal(s.metadata.name, 'prod-east');
  assert.deepEqual(
    s.hosts.map((h) => [h.name, h.roles.join('+')]),
    [
      ['node1', 'control-plane+etcd'],
      ['node2', 'control-plane+etcd'],
      ['node3', 'control-plane+etcd'],
      ['node4', 'worker'],
      ['node5', 'worker'],
    ],
  );
  // node4 is reached at 203.0.113.5 but the cluster uses its internal address.
  assert.equal(s.hosts[3]?.address, '172.16.0.5');
  assert.ok(r.diagnostics.some((d) => d.code === 'IMPORT_TWO_ADDRESSES' && d.line === 12));
  assert.deepEqual(s.ssh, { user: 'ubuntu' });
  assert.deepEqual(s.hosts[0]?.ssh, { port: 8022 });
  assert.deepEqual(s.hosts[1]?.ssh, { keyFile: '~/.ssh/id_ed25519' });
  assert.deepEqual(s.hosts[1]?.labels, { disk: 'SSD', role: 'backend' });
  assert.deepEqual(s.loadBalancer, { mode: 'external', vip: '172.16.0.100', port: 6443 });
  assert.equal(s.controlPlane?.endpoint?.domain, 'lb.prod.example');
  assert.deepEqual(s.controlPlane?.certSANs, ['api.prod.example']);
  assert.equal(s.controlPlane?.version, 'v1.28.8');
  assert.deepEqual(s.etcd, { type: 'stacked' });
  assert.deepEqual(s.network, { dnsDomain: 'cluster.local', plugin: 'cilium', podCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12' });
  const kk = s.passthrough?.['kubekey'] as { spec: Record<string, Record<string, unknown>>; hosts: Record<string, Record<string, unknown>> };
  assert.equal(kk.spec['controlPlaneEndpoint']?.['internalLoadbalancer'], 'kube-vip');
  assert.deepEqual(kk.spec['roleGroups'], { registry: ['registry1'] });
  assert.equal(kk.spec['registry']?.['auths'], REDACTED);
  assert.equal(kk.spec['registry']?.['privateRegistry'], 'dockerhub.kubekey.local');
  assert.deepEqual(kk.hosts['node3'], { arch: 'arm64' });
  assert.equal(kk.hosts['node4']?.['address'], '203.0.113.5');
  assert.ok(r.diagnostics.some((d) => d.code === 'IMPORT_INTERNAL_LB' && d.severity === 'info' && d.line === 27));
  assert.ok(r.diagnostics.some((d) => d.code === 'IMPORT_PLAINTEXT_SECRET' && d.line === 51));
  const shown = everythingShown(r);
  for (const secret of ['Qcloud@123', 'Harbor-Pa55-XYZ']) assert.ok(!shown.includes(secret), `${secret} is never shown`);
});

test('internalLoadbalancer: haproxy and an empty address: info, passthrough, and a warning about the single point of failure', () => {
  const text = `apiVersion: kubekey.kubesphere.io/v1alpha2
kind: Cluster
metadata: {name: sample}
spec:
  hosts:
  - {name: node1, address: 10.0.0.1, internalAddress: 10.0.0.1, privateKeyPath: "~/.ssh/id_rsa"}
  - {name: node2, address: 10.0.0.2, internalAddress: 10.0.0.2, privateKeyPath: "~/.ssh/id_rsa"}
  - {name: node3, address: 10.0.0.3, internalAddress: 10.0.0.3, privateKeyPath: "~/.ssh/id_rsa"}
  roleGroups:
    etcd: [node1, node2, node3]
    master:
    - node[1:3]
    worker: [node3]
  controlPlaneEndpoint:
    internalLoadbalancer: haproxy
    domain: lb.kubesphere.local
    address: ""
    port: 6443
`;
  const r = importKubekey(text, 'ilb.yaml');
  assert.ok(r.spec);
  assert.deepEqual(r.spec.ssh, { keyFile: '~/.ssh/id_rsa' });
  assert.ok(r.spec.hosts.every((h) => h.ssh === undefined), 'shared SSH settings are hoisted');
  const ilb = r.diagnostics.find((d) => d.code === 'IMPORT_INTERNAL_LB');
  assert.equal(ilb?.severity, 'info');
  assert.equal(ilb?.line, 15);
  assert.equal((r.spec.passthrough?.['kubekey'] as { spec: Record<string, Record<string, unknown>> }).spec['controlPlaneEndpoint']?.['internalLoadbalancer'], 'haproxy');
  const spof = r.diagnostics.find((d) => d.code === 'IMPORT_NO_LB_ADDRESS');
  assert.equal(spof?.severity, 'warning');
  assert.equal(r.spec.loadBalancer.vip, '10.0.0.1', 'KubeKey then uses the first master (default.go SetDefaultLBCfg)');
});

test('errors carry file:line:col and a hint: unknown host in a roleGroup (also from a range)', () => {
  const text = `apiVersion: kubekey.kubesphere.io/v1alpha1
kind: Cluster
metadata: {name: x}
spec:
  hosts:
  - {name: master1, address: 10.0.0.1, internalAddress: 10.0.0.1}
  - {name: node1, address: 10.0.0.2, internalAddress: 10.0.0.2}
  roleGroups:
    etcd: [master1]
    master:
    - mastr1
    worker:
    - node[1:2]
`;
  const r = importKubekey(text, 'bad.yaml');
  assert.equal(r.spec, undefined);
  const errs = r.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(errs.length, 2);
  assert.deepEqual([errs[0]?.code, errs[0]?.line, errs[0]?.col], ['IMPORT_UNKNOWN_HOST', 11, 7]);
  assert.match(errs[0]?.hint ?? '', /did you mean master1/);
  assert.deepEqual([errs[1]?.code, errs[1]?.line], ['IMPORT_UNKNOWN_HOST', 13]);
  assert.match(errs[1]?.message ?? '', /node\[1:2\] names host not in spec.hosts \(node2\)/);
});

test("a range naming many unknown hosts (kubekey's docs/config-example.md: node[10:100]) is one diagnostic, not one per host", () => {
  const text = `apiVersion: kubekey.kubesphere.io/v1alpha1
kind: Cluster
metadata: {name: example}
spec:
  hosts:
  - {name: node1, address: 172.16.0.2, internalAddress: 172.16.0.2}
  - {name: node2, address: 172.16.0.3, internalAddress: 172.16.0.3}
  - {name: node3, address: 172.16.0.4, internalAddress: 172.16.0.4}
  roleGroups:
    etcd: [node1]
    master:
     - node1
     - node[2:10]
    worker:
     - node1
     - node[10:100]
`;
  const errs = importKubekey(text, 'ex.yaml').diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(
    errs.map((d) => [d.code, d.line, d.col]),
    [
      ['IMPORT_UNKNOWN_HOST', 13, 8],
      ['IMPORT_UNKNOWN_HOST', 16, 8],
    ],
  );
  assert.match(errs[0]?.message ?? '', /node\[2:10\] names 7 hosts not in spec.hosts \(node4, node5, node6 … node10\)/);
  assert.match(errs[1]?.message ?? '', /names 91 hosts/);
  // The hosts of the range that do exist still get the role: node[1:3] is fine.
  const ok = importKubekey(text.replace('node[2:10]', 'node[2:3]').replace('node[10:100]', 'node[2:3]'), 'ok.yaml');
  assert.deepEqual(
    ok.spec?.hosts.map((h) => [h.name, h.roles.join('+')]),
    [
      ['node1', 'control-plane+etcd+worker'],
      ['node2', 'control-plane+worker'],
      ['node3', 'control-plane+worker'],
    ],
  );
});

test('errors: missing spec.hosts, wrong kind, YAML syntax, empty file', () => {
  const missing = importKubekey('apiVersion: kubekey.kubesphere.io/v1alpha2\nkind: Cluster\nspec:\n  roleGroups: {}\n', 'm.yaml');
  assert.deepEqual(missing.diagnostics.map((d) => [d.code, d.line]), [['IMPORT_MISSING_HOSTS', 3]]);

  const ks = importKubekey('apiVersion: installer.kubesphere.io/v1alpha1\nkind: ClusterConfiguration\nspec: {}\n', 'k.yaml');
  assert.deepEqual(ks.diagnostics.map((d) => [d.code, d.line, d.col]), [['IMPORT_WRONG_KIND', 2, 7]]);
  assert.match(ks.diagnostics[0]?.hint ?? '', /ks-installer/);

  const ours = importKubekey('apiVersion: kubeha.io/v1alpha1\nkind: Cluster\n', 'o.yaml');
  assert.match(ours.diagnostics[0]?.hint ?? '', /kubeha check/);

  const syntax = importKubekey('apiVersion: kubekey.kubesphere.io/v1alpha2\nkind: Cluster\nspec:\n  hosts: [\n', 's.yaml');
  assert.equal(syntax.diagnostics[0]?.code, 'IMPORT_YAML_SYNTAX');
  assert.ok((syntax.diagnostics[0]?.line ?? 0) >= 4);
  assert.ok(syntax.diagnostics[0]?.hint);

  const empty = importKubekey('# nothing\n', 'e.yaml');
  assert.deepEqual(empty.diagnostics.map((d) => [d.code, d.line]), [['IMPORT_EMPTY', 1]]);
});

test('a syntax error on a line holding a password does not echo it', () => {
  const r = importKubekey('spec:\n  hosts:\n  - {name: a, address: 10.0.0.1, password: Sup3rS3cret!!, ]\n', 'p.yaml');
  assert.ok(r.diagnostics.some((d) => d.severity === 'error'));
  assert.ok(!everythingShown(r).includes('Sup3rS3cret'));
  assert.equal(maskSecretsInLine('x password: "a b c" y'), 'x password: ******* y');
  assert.equal(maskSecretsInLine('  - {name: a, password: my long pass phrase, port: 22}'), '  - {name: a, password: ********, port: 22}');
  assert.equal(maskSecretsInLine('h ansible_ssh_pass=abc ip=1.2.3.4'), 'h ansible_ssh_pass=*** ip=1.2.3.4');
  assert.equal(maskSecretsInLine('  {username: admin, password:Harb0rPa55}'), '  {username: admin, password:********}');
  assert.equal(maskSecretsInLine('url: http://x:8080/a'), 'url: http://x:8080/a');
});

test('a secret-looking pair inside a value is masked (also nested), a flag setting is not', () => {
  assert.equal(maskSecretsInLine('a=sible_become_password=Become-S3cret-77'), 'a=sible_become_password=********');
  assert.equal(maskSecretsInLine('args: "--token=abcdef.0123456789abcdef --v=2"'), 'args: "--token=******** --v=2"');
  assert.equal(maskSecretsInLine('--authentication-token-webhook=true --token-ttl=0'), '--authentication-token-webhook=true --token-ttl=0');
  const found: string[] = [];
  maskSecretsInLine("x: 'k api_key=\"K3y-1\" my_vault_pw=pw-2'", found);
  assert.deepEqual(found, ['K3y-1', 'pw-2']);
  for (const k of ['my_vault_pw', 'api_key', 'apikey', 'aws_secret_access_key', 'registry_credentials']) assert.ok(isSecretKey(k), k);
  for (const k of ['pwd_path', 'token_file', 'access_key_id']) assert.ok(!isSecretKey(k), k);
});

test('KubeKey: a secret inside a copied string (apiserver flag) is masked in passthrough and reported, never shown', () => {
  const kk = fixture(SEED000).replace(/(kubernetes:\n)/, '$1    apiserverArgs: ["--oidc-client-secret=S3cr3t-oidc", "--anonymous-auth=false"]\n');
  assert.ok(kk.includes('S3cr3t-oidc'), 'fixture edit applied');
  const r = importKubekey(kk, 'k.yaml');
  assert.ok(!everythingShown(r).includes('S3cr3t-oidc'));
  assert.match(JSON.stringify(r.spec?.passthrough), /--oidc-client-secret=\*+/);
  assert.match(JSON.stringify(r.spec?.passthrough), /--anonymous-auth=false/);
  assert.ok(r.diagnostics.some((d) => d.code === 'IMPORT_PLAINTEXT_SECRET' && /apiserverArgs/.test(d.message) && d.line !== undefined));
});

test('a YAML error message never quotes a password token (found by fuzzing)', () => {
  const broken = fixture(SEED000).replace('kind: Cluster', 'kind: }     r');
  const r = importKubekey(broken, 'x.yaml');
  assert.ok(r.diagnostics.some((d) => d.code === 'IMPORT_YAML_SYNTAX' && d.line === 7));
  assert.ok(!everythingShown(r).includes('P@ssw0rd'));
});

test('KubeKey host ranges expand without padding, as kk does', () => {
  assert.deepEqual(expandKubekeyRange('node[2:4]'), ['node2', 'node3', 'node4']);
  assert.deepEqual(expandKubekeyRange('node[9:10]'), ['node9', 'node10']);
  assert.equal(expandKubekeyRange('node1'), undefined);
});

test('every imported seed and example passes parseSpec (kubeha check) without errors', () => {
  for (const [name, file] of [
    [SEED000, SEED000],
    ['kubekey-v1alpha2.yaml', 'kubekey-v1alpha2.yaml'],
  ] as const) {
    const r = importKubekey(fixture(file), name);
    assert.ok(r.spec, name);
    const checked = parseSpec(importedSpecYaml(r.spec, r.source, r.diagnostics), `${name}.imported.yaml`);
    assert.deepEqual(
      checked.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code}: ${d.message}`),
      [],
      name,
    );
    assert.ok(checked.spec, name);
  }
});

test('secret keys: values are secrets, names and paths of secrets are not', () => {
  for (const k of ['password', 'adminSecret', 'userSecret', 'jwtSecret', 'ansible_ssh_pass', 'ansible_become_password', 'token', 'privateKey']) assert.ok(isSecretKey(k), k);
  // glusterfs secretName: heketi-secret in kubekey's config-example is the name of a Kubernetes Secret, not a secret.
  for (const k of ['secretName', 'secret_name', 'passwordSecretRef', 'privateKeyPath', 'password_file', 'authEnabled', 'auth_type']) assert.ok(!isSecretKey(k), k);
});

test('`port:22` without a space (seen in real configs) is one key kk ignores: a warning at it, never an echoed password', () => {
  const text = `apiVersion: kubekey.kubesphere.io/v1alpha2
kind: Cluster
metadata: {name: sample}
spec:
  hosts:
  - {name: m1, address: 10.0.0.1, internalAddress: 10.0.0.1, port:2222, user: root}
  - {name: m2, address: 10.0.0.2, internalAddress: 10.0.0.2, password:Sup3rS3cret}
  roleGroups:
    etcd: [m1]
    control-plane: [m1]
    worker: [m2]
  registry:
    auths:
      "reg.example.com": {username: admin, password:Harb0rPa55}
`;
  const r = importKubekey(text, 'k.yaml');
  assert.ok(!everythingShown(r).includes('Harb0rPa55'), 'a glued password deeper in the passthrough');
  const w = r.diagnostics.filter((d) => d.code === 'IMPORT_KEY_WITHOUT_SPACE');
  assert.deepEqual(
    w.map((d) => [d.line, d.col]),
    [
      [6, 62],
      [7, 62],
    ],
  );
  assert.match(w[0]?.hint ?? '', /port: 2222/);
  assert.equal(r.spec?.hosts.find((h) => h.name === 'm1')?.ssh?.port, undefined, 'kk ignores the key: the default port');
  assert.ok(!everythingShown(r).includes('Sup3rS3cret'));
});
