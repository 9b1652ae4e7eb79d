import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { ClusterSpec } from '../../src/cluster-spec/types.js';
import {
  HAPROXY_CA_FILE,
  KUBECONFIG_PATHS,
  PKI_PATHS,
  apiserverSans,
  issuePki,
  pkiFilesForHost,
  planPki,
  userKubeconfig,
  withPkiFiles,
} from '../../src/pki/index.js';
import type { CertRequest, StoredPki } from '../../src/pki/index.js';
import { dedicatedSpec, externalSpec, stackedSpec } from '../render/specs.js';
import { renderCluster } from '../../src/render/index.js';

const T0 = new Date('2026-01-10T12:00:00Z');
const DAY = 86_400_000;
const later = (days: number): Date => new Date(T0.getTime() + days * DAY);

const hostOf = (spec: ClusterSpec, name: string) => {
  const h = spec.hosts.find((x) => x.name === name);
  assert.ok(h, name);
  return h;
};
const req = (spec: ClusterSpec, id: string): CertRequest => {
  const r = planPki(spec).find((x) => x.id === id);
  assert.ok(r, `no request ${id}`);
  return r;
};

let work: string;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'kubeha-pki-'));
});
after(() => rmSync(work, { recursive: true, force: true }));

let n = 0;
function file(text: string): string {
  const p = join(work, `f${n++}.pem`);
  writeFileSync(p, text, { mode: 0o600 });
  return p;
}
const openssl = (...args: string[]): string => execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** The SANs openssl reads from a certificate, as `DNS:x` / `IP:y` (IPv6 as openssl prints it). */
function opensslSans(pem: string): string[] {
  const out = openssl('x509', '-noout', '-ext', 'subjectAltName', '-in', file(pem));
  const line = out.split('\n').slice(1).join(' ').trim();
  return line === '' ? [] : line.split(/,\s*/).map((s) => s.trim().replace(/^IP Address:/, 'IP:'));
}
const expectSans = (r: CertRequest): string[] => [...r.dnsNames.map((d) => `DNS:${d}`), ...r.ips.map((i) => `IP:${i === '::1' ? '0:0:0:0:0:0:0:1' : i}`)];

describe('planPki: SANs', () => {
  it('dedicated LBs: every master and LB address, the VIP, the domain, 127.0.0.1, the first service IP, kubernetes.*', () => {
    const spec = dedicatedSpec();
    const { dnsNames, ips } = apiserverSans(spec, hostOf(spec, 'master2'));
    assert.deepEqual(dnsNames, ['master2', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'api.demo.internal']);
    assert.deepEqual([...ips].sort(), ['10.233.0.1', '10.77.0.10', '10.77.0.11', '10.77.0.12', '10.77.0.21', '10.77.0.22', '10.77.0.23', '127.0.0.1'].sort());
    assert.equal(ips[0], '10.233.0.1');
    assert.equal(ips[1], '10.77.0.22', 'its own address comes right after the service IP, as in kubeadm');
  });

  it('stacked: the LB hosts are the masters; nothing else is added', () => {
    const spec = stackedSpec();
    const { ips } = apiserverSans(spec, hostOf(spec, 'master1'));
    assert.deepEqual([...ips].sort(), ['10.233.0.1', '10.77.0.10', '10.77.0.21', '10.77.0.22', '10.77.0.23', '127.0.0.1'].sort());
    assert.ok(!ips.includes('10.77.0.31'), 'a worker is no apiserver address');
  });

  it('external LB: its address is in the SANs, and no LB host gets files', async () => {
    const spec = externalSpec();
    assert.ok(apiserverSans(spec, hostOf(spec, 'master1')).ips.includes('10.77.0.5'));
    const { pki } = await issuePki(spec, undefined, T0);
    assert.deepEqual(pkiFilesForHost(spec, pki, hostOf(spec, 'worker1')), []);
    assert.ok(!pkiFilesForHost(spec, pki, hostOf(spec, 'master1')).some((f) => f.path === HAPROXY_CA_FILE));
  });

  it('a custom service CIDR and DNS domain, an endpoint domain and certSANs (IPs, names, wildcards; garbage skipped)', () => {
    const spec = dedicatedSpec();
    spec.network = { ...spec.network, serviceCIDR: '10.100.0.0/16', dnsDomain: 'corp.example.' };
    spec.controlPlane = { ...spec.controlPlane, endpoint: { address: '10.77.0.10', port: 6443, domain: 'K8s.Example.com' }, certSANs: ['192.0.2.7', 'api.Other.org', '*.apps.example.com', 'not a name', 'fd00::7'] };
    const { dnsNames, ips } = apiserverSans(spec, hostOf(spec, 'master1'));
    assert.ok(ips.includes('10.100.0.1') && !ips.includes('10.233.0.1'));
    assert.ok(dnsNames.includes('kubernetes.default.svc.corp.example'));
    for (const d of ['k8s.example.com', 'api.other.org', '*.apps.example.com']) assert.ok(dnsNames.includes(d), d);
    assert.ok(ips.includes('192.0.2.7') && ips.includes('fd00::7'));
    assert.ok(!dnsNames.some((d) => d.includes(' ')));
  });

  it('subjects and usages as kubeadm v1.37 issues them; etcd leaves per member; no etcd CA with external etcd', () => {
    const spec = dedicatedSpec();
    const admin = req(spec, 'users/admin');
    assert.deepEqual([admin.commonName, admin.organization], ['kubernetes-admin', ['kubeadm:cluster-admins']]);
    assert.deepEqual(req(spec, 'users/super-admin').organization, ['system:masters']);
    const kc = req(spec, 'hosts/master1/apiserver-kubelet-client');
    assert.deepEqual([kc.commonName, kc.organization, kc.usages], ['kube-apiserver-kubelet-client', [], ['clientAuth']]);
    const server = req(spec, 'hosts/master3/etcd/server');
    assert.deepEqual([server.commonName, server.issuer, server.usages, server.dnsNames, server.ips], ['master3', 'etcd/ca', ['serverAuth', 'clientAuth'], ['master3', 'localhost'], ['10.77.0.23', '127.0.0.1', '::1']]);
    assert.equal(planPki(spec).filter((r) => r.id.endsWith('/etcd/peer')).length, 3);
    spec.etcd = { type: 'external', endpoints: ['https://10.77.0.50:2379'] };
    const ids = planPki(spec).map((r) => r.id);
    assert.ok(!ids.includes('etcd/ca') && !ids.some((i) => i.includes('etcd')), ids.join(' '));
  });

  it('no control-plane hosts: nothing to issue', () => {
    const spec = dedicatedSpec();
    spec.hosts = spec.hosts.filter((h) => h.roles.includes('loadbalancer'));
    assert.deepEqual(planPki(spec), []);
  });
});

describe('issuePki', () => {
  let spec: ClusterSpec;
  let first: StoredPki;
  before(async () => {
    spec = dedicatedSpec();
    first = (await issuePki(spec, undefined, T0)).pki;
  });

  it('every leaf verifies against its CA with openssl, and its SANs are the request\'s', () => {
    const reqs = planPki(spec);
    for (const r of reqs) {
      const pair = first.certs[r.id];
      assert.ok(pair, r.id);
      if (!r.issuer) {
        assert.match(openssl('x509', '-noout', '-ext', 'basicConstraints', '-in', file(pair.cert)), /CA:TRUE/);
        continue;
      }
      const ca = first.certs[r.issuer]!.cert;
      // -attime: the chain is valid at T0 (the certificates were issued for T0, not for today).
      const out = openssl('verify', '-attime', String(Math.floor(T0.getTime() / 1000) + 60), '-CAfile', file(ca), file(pair.cert));
      assert.match(out, /: OK\n$/, r.id);
      assert.deepEqual(opensslSans(pair.cert).sort(), expectSans(r).sort(), r.id);
      const purpose = openssl('x509', '-noout', '-ext', 'extendedKeyUsage', '-in', file(pair.cert));
      for (const u of r.usages) assert.match(purpose, u === 'serverAuth' ? /TLS Web Server Authentication/ : /TLS Web Client Authentication/, r.id);
    }
  });

  it('each key is the one of its certificate (openssl compares the public keys)', () => {
    for (const [id, pair] of Object.entries(first.certs)) {
      const fromCert = openssl('x509', '-noout', '-pubkey', '-in', file(pair.cert));
      const fromKey = openssl('pkey', '-pubout', '-in', file(pair.key));
      assert.equal(fromCert, fromKey, id);
    }
    assert.equal(openssl('pkey', '-pubout', '-in', file(first.serviceAccount!.key)), first.serviceAccount!.pub);
  });

  it('leaves last a year, CAs ten, and a leaf never outlives its CA', () => {
    const end = (pem: string): number => Date.parse(openssl('x509', '-noout', '-enddate', '-in', file(pem)).replace('notAfter=', '').trim());
    assert.equal(Math.round((end(first.certs['ca']!.cert) - T0.getTime()) / DAY), 3650);
    assert.equal(Math.round((end(first.certs['hosts/master1/apiserver']!.cert) - T0.getTime()) / DAY), 365);
  });

  it('a second issue reuses everything: nothing issued, identical PEM', async () => {
    const again = await issuePki(spec, first, later(1));
    assert.deepEqual(again.issued, []);
    assert.deepEqual(again.pki, first);
  });

  it('a new certSAN re-issues only the apiserver certificates (keys new), nothing else', async () => {
    const changed = dedicatedSpec();
    changed.controlPlane.certSANs = ['api.extra.example'];
    const r = await issuePki(changed, first, later(1));
    assert.deepEqual(r.issued.map((i) => i.id).sort(), ['hosts/master1/apiserver', 'hosts/master2/apiserver', 'hosts/master3/apiserver']);
    assert.match(r.issued[0]!.reason, /lacks SAN api\.extra\.example/);
    assert.notEqual(r.pki.certs['hosts/master1/apiserver']!.key, first.certs['hosts/master1/apiserver']!.key);
    assert.equal(r.pki.certs['ca']!.cert, first.certs['ca']!.cert);
    assert.ok(opensslSans(r.pki.certs['hosts/master1/apiserver']!.cert).includes('DNS:api.extra.example'));
  });

  it('renewal window: nothing is due 200 days in; 300 days in (65 left < 90) every leaf is, the CAs and the SA key are kept', async () => {
    assert.deepEqual((await issuePki(spec, first, later(200))).issued, []);
    const r = await issuePki(spec, first, later(300));
    const leaves = planPki(spec).filter((x) => x.issuer).map((x) => x.id);
    assert.deepEqual(r.issued.map((i) => i.id).sort(), [...leaves].sort());
    assert.match(r.issued[0]!.reason, /within 90 days/);
    for (const ca of ['ca', 'etcd/ca', 'front-proxy-ca']) assert.equal(r.pki.certs[ca], first.certs[ca]);
    assert.deepEqual(r.pki.serviceAccount, first.serviceAccount);
    const end = Date.parse(openssl('x509', '-noout', '-enddate', '-in', file(r.pki.certs['hosts/master2/apiserver']!.cert)).replace('notAfter=', '').trim());
    assert.equal(Math.round((end - later(300).getTime()) / DAY), 365);
    assert.deepEqual((await issuePki(spec, r.pki, later(301))).issued, [], 'the renewed ones are not due again');
  });

  it('renew: all re-issues every leaf with new keys, never a CA', async () => {
    const r = await issuePki(spec, first, later(1), { renew: 'all' });
    const leaves = planPki(spec).filter((x) => x.issuer).map((x) => x.id);
    assert.equal(r.issued.length, leaves.length);
    assert.ok(!r.issued.some((i) => ['ca', 'etcd/ca', 'front-proxy-ca', 'sa'].includes(i.id)));
    for (const id of leaves) assert.notEqual(r.pki.certs[id]!.key, first.certs[id]!.key, id);
  });

  it('a lost etcd CA is re-created and only its leaves are re-issued; an expired leaf is re-issued', async () => {
    const broken: StoredPki = { ...first, certs: { ...first.certs } };
    delete broken.certs['etcd/ca'];
    const r = await issuePki(spec, broken, later(1));
    const ids = r.issued.map((i) => i.id);
    assert.ok(ids.includes('etcd/ca'));
    const etcdLeaves = planPki(spec).filter((x) => x.issuer === 'etcd/ca').map((x) => x.id);
    assert.deepEqual(ids.filter((i) => i !== 'etcd/ca').sort(), [...etcdLeaves].sort());
    assert.match(r.issued.find((i) => i.id !== 'etcd/ca')!.reason, /not signed by the current etcd\/ca/);
    const expired = await issuePki(spec, first, later(400));
    assert.match(expired.issued.find((i) => i.id === 'users/admin')!.reason, /expired/);
  });

  it('a key that is not its certificate\'s is replaced; a removed host\'s certificates are dropped', async () => {
    const swapped: StoredPki = { ...first, certs: { ...first.certs, 'users/admin': { cert: first.certs['users/admin']!.cert, key: first.certs['users/super-admin']!.key } } };
    const r = await issuePki(spec, swapped, later(1));
    assert.deepEqual(r.issued.map((i) => i.id), ['users/admin']);
    const smaller = dedicatedSpec();
    smaller.hosts = smaller.hosts.filter((h) => h.name !== 'master3');
    const s = await issuePki(smaller, first, later(1));
    assert.ok(!Object.keys(s.pki.certs).some((k) => k.startsWith('hosts/master3/')));
    assert.deepEqual(s.issued, [], 'an extra SAN (the removed master) is no reason to re-issue');
  });

  it('RSA-2048 on request (kubeadm\'s default algorithm) verifies too', async () => {
    const small = dedicatedSpec();
    small.hosts = small.hosts.filter((h) => h.name === 'master1' || h.name === 'lb0');
    const { pki } = await issuePki(small, undefined, T0, { algorithm: 'RSA-2048' });
    assert.match(openssl('x509', '-noout', '-text', '-in', file(pki.certs['ca']!.cert)), /rsaEncryption/);
    assert.match(openssl('verify', '-attime', String(Math.floor(T0.getTime() / 1000) + 60), '-CAfile', file(pki.certs['ca']!.cert), file(pki.certs['hosts/master1/apiserver']!.cert)), /OK/);
    assert.deepEqual((await issuePki(small, pki, later(1))).issued, []);
  });
});

describe('files per host and kubeconfigs', () => {
  let spec: ClusterSpec;
  let pki: StoredPki;
  before(async () => {
    spec = dedicatedSpec();
    spec.controlPlane.installer = 'binary';
    pki = (await issuePki(spec, undefined, T0)).pki;
  });

  it('masters get kubeadm\'s layout, keys 0600 and secret, certificates 0644; super-admin.conf on the first only', () => {
    const files = pkiFilesForHost(spec, pki, hostOf(spec, 'master1'));
    const paths = files.map((f) => f.path);
    for (const p of [PKI_PATHS.ca.cert, PKI_PATHS.ca.key, PKI_PATHS.etcdCa.key, PKI_PATHS.serviceAccount.key, PKI_PATHS.serviceAccount.pub, PKI_PATHS.apiserver.cert, PKI_PATHS.apiserverEtcdClient.key, PKI_PATHS.etcdPeer.cert, KUBECONFIG_PATHS.admin, KUBECONFIG_PATHS.superAdmin, KUBECONFIG_PATHS.scheduler])
      assert.ok(paths.includes(p), p);
    for (const f of files) {
      const isSecret = f.path.endsWith('.key') || f.path.endsWith('.conf');
      assert.equal(f.mode, isSecret ? 0o600 : 0o644, f.path);
      assert.equal(f.secret === true, isSecret, f.path);
      if (!isSecret) assert.ok(!f.content.includes('PRIVATE KEY'), f.path);
    }
    assert.ok(!pkiFilesForHost(spec, pki, hostOf(spec, 'master2')).some((f) => f.path === KUBECONFIG_PATHS.superAdmin));
    assert.equal(files.find((f) => f.path === PKI_PATHS.apiserver.cert)!.content, pki.certs['hosts/master1/apiserver']!.cert);
    assert.deepEqual(files.find((f) => f.path === PKI_PATHS.etcdServer.key)!.reloads, { unit: 'etcd.service', action: 'restart' });
    assert.ok(pkiFilesForHost(spec, pki, hostOf(spec, 'master1'), { restartUnits: false }).every((f) => f.reloads === undefined));
  });

  it('LB hosts get only the cluster CA certificate, for HAProxy', () => {
    const files = pkiFilesForHost(spec, pki, hostOf(spec, 'lb0'));
    assert.deepEqual(files.map((f) => [f.path, f.mode]), [[HAPROXY_CA_FILE, 0o644]]);
    assert.equal(files[0]!.content, pki.certs['ca']!.cert);
  });

  it('withPkiFiles adds them to the rendered hosts, before the validated configs', () => {
    const rendered = withPkiFiles(spec, renderCluster(spec, { 'vrrp-auth': 'x', 'encryption-key': Buffer.alloc(32, 7).toString('base64') }), pki);
    const lb0 = rendered.find((r) => r.host === 'lb0')!.files.map((f) => f.path);
    assert.ok(lb0.indexOf(HAPROXY_CA_FILE) < lb0.indexOf('/etc/haproxy/haproxy.cfg'));
    assert.ok(rendered.find((r) => r.host === 'master3')!.files.some((f) => f.path === PKI_PATHS.etcdHealthcheckClient.cert));
  });

  it('admin.conf parses as a kubeconfig: server = the endpoint, the CA embedded, its client certificate chains to it', () => {
    const kc = parse(userKubeconfig(spec, pki, 'admin')) as {
      clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
      users: { name: string; user: { 'client-certificate-data': string; 'client-key-data': string } }[];
      'current-context': string;
    };
    assert.equal(kc.clusters[0]!.cluster.server, 'https://api.demo.internal:6443');
    const ca = Buffer.from(kc.clusters[0]!.cluster['certificate-authority-data'], 'base64').toString();
    assert.equal(ca, pki.certs['ca']!.cert);
    const cert = Buffer.from(kc.users[0]!.user['client-certificate-data'], 'base64').toString();
    assert.match(openssl('verify', '-attime', String(Math.floor(T0.getTime() / 1000) + 60), '-CAfile', file(ca), file(cert)), /OK/);
    assert.match(openssl('x509', '-noout', '-subject', '-in', file(cert)), /O\s*=\s*kubeadm:cluster-admins, CN\s*=\s*kubernetes-admin/);
    assert.equal(kc['current-context'], 'kubernetes-admin@demo');
    const key = Buffer.from(kc.users[0]!.user['client-key-data'], 'base64').toString();
    assert.equal(openssl('pkey', '-pubout', '-in', file(key)), openssl('x509', '-noout', '-pubkey', '-in', file(cert)));
  });

  it('controller-manager.conf and scheduler.conf point at the host\'s own apiserver', () => {
    const files = pkiFilesForHost(spec, pki, hostOf(spec, 'master2'));
    for (const p of [KUBECONFIG_PATHS.controllerManager, KUBECONFIG_PATHS.scheduler]) {
      const kc = parse(files.find((f) => f.path === p)!.content) as { clusters: { cluster: { server: string } }[] };
      assert.equal(kc.clusters[0]!.cluster.server, 'https://10.77.0.22:6443', p);
    }
  });
});
