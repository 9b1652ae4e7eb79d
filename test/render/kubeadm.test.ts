import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { renderCluster, requiredSecrets } from '../../src/render/index.js';
import { KUBEADM_DISCOVERY, KUBEADM_INIT, KUBEADM_JOIN, apiserverCertSans, controlPlaneEndpoint } from '../../src/render/kubeadm.js';
import type { ClusterSpec } from '../../src/cluster-spec/types.js';
import type { RenderedHost } from '../../src/render/types.js';
import { k8sBinDir, k8sBinSkip } from '../helpers/k8s-bin.js';
import { TEST_SECRETS, dedicatedSpec, externalSpec, stackedSpec } from './specs.js';

/** kubeadm mode: the configs kubeadm init/join read, as facts, and accepted by the real `kubeadm config validate`. */

const SECRETS = { ...TEST_SECRETS, 'kubeadm-bootstrap-token': 'abcdef.0123456789abcdef' };
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function kubeadm(make: () => ClusterSpec, tweak: (s: ClusterSpec) => void = () => {}): ClusterSpec {
  const s = make();
  s.controlPlane.installer = 'kubeadm';
  tweak(s);
  return s;
}
const docs = (text: string): Record<string, unknown>[] => parseAllDocuments(text).map((d) => d.toJS() as Record<string, unknown>);
const fileOf = (hosts: RenderedHost[], host: string, path: string): string | undefined => hosts.find((h) => h.host === host)?.files.find((f) => f.path === path)?.content;

const variants: [string, ClusterSpec][] = [
  ['dedicated-lb, stacked etcd, domain', kubeadm(dedicatedSpec)],
  ['stacked LB (port 8443)', kubeadm(stackedSpec)],
  [
    'external LB, external etcd, no domain',
    kubeadm(externalSpec, (s) => {
      s.etcd = { type: 'external', endpoints: ['https://10.77.0.51:2379', 'https://10.77.0.52:2379', 'https://10.77.0.53:2379'] };
      s.hosts = s.hosts.map((h) => ({ ...h, roles: h.roles.filter((r) => r !== 'etcd') }));
      delete s.controlPlane.endpoint.domain;
    }),
  ],
];

test('the first master gets init.yaml, the others join.yaml (secret, 0600); workers and LBs none; no binary-mode units', () => {
  const hosts = renderCluster(kubeadm(dedicatedSpec), SECRETS, { clusterCaCert: CA });
  assert.deepEqual(requiredSecrets(kubeadm(dedicatedSpec)), ['encryption-key', 'kubeadm-bootstrap-token']);
  for (const h of hosts) {
    const paths = h.files.map((f) => f.path);
    assert.equal(paths.includes(KUBEADM_INIT), h.host === 'master1', h.host);
    assert.equal(paths.includes(KUBEADM_JOIN), h.host === 'master2' || h.host === 'master3', h.host);
    assert.equal(paths.includes(KUBEADM_DISCOVERY), h.host === 'master2' || h.host === 'master3', h.host);
    assert.ok(!paths.some((p) => p.endsWith('/kube-apiserver.service') || p.endsWith('/etcd.service')), h.host);
    for (const f of h.files.filter((x) => x.path === KUBEADM_INIT || x.path === KUBEADM_JOIN)) {
      assert.equal(f.mode, 0o600);
      assert.equal(f.secret, true);
    }
  }
});

test('ClusterConfiguration: controlPlaneEndpoint is the endpoint, certSANs every name it is reached by, networking from the spec', () => {
  const spec = kubeadm(stackedSpec);
  const [init, cluster] = docs(fileOf(renderCluster(spec, SECRETS), 'master1', KUBEADM_INIT) ?? '');
  assert.equal(init?.['kind'], 'InitConfiguration');
  assert.equal(cluster?.['kind'], 'ClusterConfiguration');
  assert.equal(cluster?.['apiVersion'], 'kubeadm.k8s.io/v1beta4');
  assert.equal(cluster?.['controlPlaneEndpoint'], 'api.demo.internal:8443');
  const sans = (cluster?.['apiServer'] as { certSANs: string[] }).certSANs;
  for (const n of ['api.demo.internal', '10.77.0.10', '10.77.0.21', '10.77.0.22', '10.77.0.23', '127.0.0.1']) assert.ok(sans.includes(n), n);
  assert.deepEqual(cluster?.['networking'], { dnsDomain: 'cluster.local', serviceSubnet: spec.network.serviceCIDR, podSubnet: spec.network.podCIDR });
  assert.deepEqual((init?.['localAPIEndpoint']), { advertiseAddress: '10.77.0.21', bindPort: 6443 });
  const noDomain = kubeadm(dedicatedSpec, (s) => delete s.controlPlane.endpoint.domain);
  assert.equal(controlPlaneEndpoint(noDomain), '10.77.0.10:6443');
  assert.ok(!apiserverCertSans(noDomain).includes('api.demo.internal'));
});

test('join.yaml: a control-plane member on its own address, file discovery, the same token init created', () => {
  const hosts = renderCluster(kubeadm(dedicatedSpec), SECRETS, { clusterCaCert: CA });
  const [join] = docs(fileOf(hosts, 'master3', KUBEADM_JOIN) ?? '');
  assert.equal(join?.['kind'], 'JoinConfiguration');
  assert.deepEqual(join?.['controlPlane'], { localAPIEndpoint: { advertiseAddress: '10.77.0.23', bindPort: 6443 } });
  const discovery = join?.['discovery'] as { file: { kubeConfigPath: string }; tlsBootstrapToken: string };
  assert.equal(discovery.file.kubeConfigPath, KUBEADM_DISCOVERY);
  assert.equal(discovery.tlsBootstrapToken, SECRETS['kubeadm-bootstrap-token']);
  const [init] = docs(fileOf(hosts, 'master1', KUBEADM_INIT) ?? '');
  assert.equal((init?.['bootstrapTokens'] as { token: string }[])[0]?.token, discovery.tlsBootstrapToken);
  const [kc] = docs(fileOf(hosts, 'master3', KUBEADM_DISCOVERY) ?? '');
  const cluster = (kc?.['clusters'] as { cluster: { server: string; 'certificate-authority-data': string } }[])[0]?.cluster;
  assert.equal(cluster?.server, 'https://api.demo.internal:6443');
  assert.equal(Buffer.from(cluster?.['certificate-authority-data'] ?? '', 'base64').toString(), CA);
  assert.throws(() => renderCluster(kubeadm(dedicatedSpec), { ...TEST_SECRETS, 'kubeadm-bootstrap-token': 'not-a-token' }), /bootstrap token/);
});

test('external etcd: endpoints and the apiserver etcd client certificate', () => {
  const [, cluster] = docs(fileOf(renderCluster(variants[2]![1], SECRETS), 'master1', KUBEADM_INIT) ?? '');
  const etcd = cluster?.['etcd'] as { external: { endpoints: string[]; certFile: string } };
  assert.deepEqual(etcd.external.endpoints, ['https://10.77.0.51:2379', 'https://10.77.0.52:2379', 'https://10.77.0.53:2379']);
  assert.equal(etcd.external.certFile, '/etc/kubernetes/pki/apiserver-etcd-client.crt');
});

describe('kubeadm config validate accepts every rendered config', { skip: k8sBinSkip('v1.37.2', 'kubeadm') }, () => {
  const work = mkdtempSync(join(tmpdir(), 'kubeha-kubeadm-'));
  after(() => rmSync(work, { recursive: true, force: true }));
  const validate = (name: string, content: string): { status: number | null; out: string } => {
    const file = join(work, name);
    writeFileSync(file, content);
    const r = spawnSync(join(k8sBinDir('v1.37.2', 'kubeadm') ?? '', 'kubeadm'), ['config', 'validate', '--config', file], { encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  };
  for (const [label, spec] of variants)
    test(label, () => {
      let n = 0;
      for (const h of renderCluster(spec, SECRETS, { clusterCaCert: CA }))
        for (const f of h.files.filter((x) => x.path === KUBEADM_INIT || x.path === KUBEADM_JOIN)) {
          const base = `${label.replace(/\W+/g, '-')}-${h.host}`;
          // kubeadm checks that the discovery file exists: the host's rendered one, at a temp path.
          const discovery = h.files.find((x) => x.path === KUBEADM_DISCOVERY);
          if (f.path === KUBEADM_JOIN) assert.ok(discovery, `${h.host}: discovery kubeconfig`);
          const disc = join(work, `${base}-discovery.conf`);
          if (discovery) writeFileSync(disc, discovery.content);
          const r = validate(`${base}.yaml`, f.content.replaceAll(KUBEADM_DISCOVERY, disc));
          assert.equal(r.status, 0, `${h.host} ${f.path}: ${r.out}`);
          assert.match(r.out, /ok/i, r.out);
          n++;
        }
      assert.equal(n, 3);
    });
  test('the harness can fail: a wrong field and a bad controlPlaneEndpoint are refused', () => {
    const init = fileOf(renderCluster(variants[0]![1], SECRETS), 'master1', KUBEADM_INIT) ?? '';
    assert.notEqual(validate('bad-field.yaml', init.replace('clusterName:', 'clusterNam:')).status, 0);
    assert.notEqual(validate('bad-endpoint.yaml', init.replace(/controlPlaneEndpoint: .*/, 'controlPlaneEndpoint: "https://x:y:z"')).status, 0);
  });
});

test('check analyses a kubeadm-mode and a binary-mode spec (placeholder secrets of the right shape), VRRPv2 too', async () => {
  const { analyzeSpec } = await import('../../src/analyze/spec-analysis.js');
  for (const spec of [kubeadm(dedicatedSpec), dedicatedSpec(), kubeadm(stackedSpec, (s) => (s.loadBalancer = { ...s.loadBalancer, vrrpVersion: 2, advertInt: 1 }))]) {
    const report = analyzeSpec(spec);
    assert.deepEqual(
      report.findings.filter((f) => f.severity === 'error'),
      [],
    );
  }
});
