import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterSpec } from '../../src/cluster-spec/types.js';
import { HAPROXY_CA_FILE, KUBECONFIG_PATHS, PKI_PATHS, checkPki, issuePki, pkiFilesForHost } from '../../src/pki/index.js';
import type { SeenFile, StoredPki } from '../../src/pki/index.js';
import { dedicatedSpec } from '../render/specs.js';

const T0 = new Date('2026-01-10T12:00:00Z');
const DAY = 86_400_000;
const later = (days: number): Date => new Date(T0.getTime() + days * DAY);

type Hosts = Map<string, Record<string, SeenFile | null>>;

/** What each host holds after an apply of `pki`: exactly the rendered files. */
function applied(spec: ClusterSpec, pki: StoredPki): Hosts {
  const out: Hosts = new Map();
  for (const h of spec.hosts) {
    const files: Record<string, SeenFile | null> = {};
    for (const f of pkiFilesForHost(spec, pki, h)) files[f.path] = { content: f.content, mode: f.mode, owner: 'root' };
    out.set(h.name, files);
  }
  return out;
}
const codes = (r: { problems: { code: string; host?: string; file?: string }[] }): string[] => r.problems.map((p) => `${p.host ?? 'state'} ${p.code} ${p.file ?? ''}`);

describe('checkPki', () => {
  let spec: ClusterSpec;
  let pki: StoredPki;
  before(async () => {
    spec = dedicatedSpec();
    spec.controlPlane.installer = 'binary';
    pki = (await issuePki(spec, undefined, T0)).pki;
  });
  const check = (hosts: Hosts, now = later(1), stored: StoredPki | null = pki, unreachable = new Map<string, string>()) => checkPki(spec, stored ?? undefined, { observed: hosts, unreachable, now });

  it('a freshly applied cluster: every certificate listed (state and hosts), no problem', async () => {
    const r = await check(applied(spec, pki));
    assert.deepEqual(codes(r), []);
    const where = new Set(r.certificates.map((c) => c.where));
    assert.deepEqual([...where].sort(), ['lb0', 'lb1', 'master1', 'master2', 'master3', 'state']);
    const api = r.certificates.find((c) => c.where === 'master2' && c.path === PKI_PATHS.apiserver.cert)!;
    assert.ok(api.sans.includes('10.77.0.10') && api.sans.includes('api.demo.internal'));
    assert.equal(api.daysLeft, 364);
    assert.match(api.issuer, /CN=kubernetes/);
    // The serial is the one the state directory holds for that certificate (a renewal changes it).
    const inState = r.certificates.find((c) => c.where === 'state' && c.id === api.id)!;
    assert.match(api.serial, /^[0-9a-f]+$/i);
    assert.equal(api.serial, inState.serial);
    assert.notEqual(api.serial, r.certificates.find((c) => c.where === 'state' && c.id === 'ca')?.serial);
    assert.ok(r.certificates.some((c) => c.where === 'master1' && c.path === KUBECONFIG_PATHS.admin), 'the client certificate inside admin.conf is listed');
    assert.ok(r.certificates.some((c) => c.where === 'lb1' && c.path === HAPROXY_CA_FILE));
  });

  it('the report carries no key material (JSON of the whole report)', async () => {
    const hosts = applied(spec, pki);
    hosts.get('master1')![PKI_PATHS.apiserver.key] = { content: pki.certs['users/admin']!.key, mode: 0o644, owner: 'root' };
    const text = JSON.stringify(await check(hosts));
    assert.ok(!text.includes('PRIVATE KEY'));
    for (const pair of Object.values(pki.certs)) {
      const body = pair.key.split('\n')[1]!;
      assert.ok(!text.includes(body.slice(0, 40)), 'a key line appears in the report');
      assert.ok(!text.includes(Buffer.from(pair.key).toString('base64').slice(0, 40)));
    }
  });

  it('an apiserver certificate issued before the endpoint domain was added: CERT_MISSING_SAN naming it', async () => {
    const older = dedicatedSpec();
    older.controlPlane.endpoint = { address: '10.77.0.10', port: 6443 };
    const cas = Object.fromEntries(['ca', 'etcd/ca', 'front-proxy-ca'].map((id) => [id, pki.certs[id]!]));
    const { pki: oldPki } = await issuePki(older, { certs: cas }, T0);
    const hosts = applied(spec, pki);
    for (const m of ['master1', 'master2']) {
      hosts.get(m)![PKI_PATHS.apiserver.cert] = { content: oldPki.certs[`hosts/${m}/apiserver`]!.cert, mode: 0o644, owner: 'root' };
      hosts.get(m)![PKI_PATHS.apiserver.key] = { content: oldPki.certs[`hosts/${m}/apiserver`]!.key, mode: 0o600, owner: 'root' };
    }
    const r = await check(hosts);
    const san = r.problems.filter((p) => p.code === 'CERT_MISSING_SAN');
    assert.deepEqual(san.map((p) => p.host), ['master1', 'master2']);
    assert.match(san[0]!.message, /lacks SAN api\.demo\.internal/);
    assert.match(san[0]!.hint ?? '', /certs renew/);
    assert.ok(!r.problems.some((p) => p.code === 'CERT_KEY_MISMATCH'));
  });

  it('missing file, open key mode, a key not the certificate\'s, another CA, an unreachable host', async () => {
    const hosts = applied(spec, pki);
    hosts.get('master1')![PKI_PATHS.frontProxyClient.cert] = null;
    hosts.get('master2')![PKI_PATHS.etcdPeer.key] = { content: pki.certs['hosts/master2/etcd/peer']!.key, mode: 0o644, owner: 'root' };
    hosts.get('master3')![PKI_PATHS.apiserver.key] = { content: pki.certs['hosts/master1/apiserver']!.key, mode: 0o600, owner: 'root' };
    const { pki: foreign } = await issuePki(spec, undefined, T0);
    hosts.get('lb0')![HAPROXY_CA_FILE] = { content: foreign.certs['ca']!.cert, mode: 0o644, owner: 'root' };
    hosts.get('master2')![PKI_PATHS.etcdServer.cert] = { content: foreign.certs['hosts/master2/etcd/server']!.cert, mode: 0o644, owner: 'root' };
    const r = await check(hosts, later(1), pki, new Map([['lb1', 'connect ETIMEDOUT']]));
    hosts.delete('lb1');
    assert.deepEqual(codes(r).sort(), [
      `lb0 CERT_UNTRUSTED ${HAPROXY_CA_FILE}`,
      'lb1 CERT_HOST_UNREACHABLE ',
      `master1 CERT_MISSING ${PKI_PATHS.frontProxyClient.cert}`,
      `master2 CERT_KEY_MISMATCH ${PKI_PATHS.etcdServer.key}`,
      `master2 CERT_KEY_MODE ${PKI_PATHS.etcdPeer.key}`,
      `master2 CERT_UNTRUSTED ${PKI_PATHS.etcdServer.cert}`,
      `master3 CERT_KEY_MISMATCH ${PKI_PATHS.apiserver.key}`,
    ].sort());
  });

  it('expiry: 300 days in every leaf is CERT_EXPIRING (warning), 400 days in CERT_EXPIRED; a state renewed since the last apply differs from the hosts', async () => {
    const hosts = applied(spec, pki);
    const soon = await check(hosts, later(300));
    assert.ok(soon.problems.length > 0 && soon.problems.every((p) => p.code === 'CERT_EXPIRING' && p.severity === 'warning'), codes(soon).filter((c) => !c.includes('EXPIRING')).join('\n'));
    const gone = await check(hosts, later(400));
    assert.ok(gone.problems.every((p) => p.code === 'CERT_EXPIRED'));
    const { pki: renewed } = await issuePki(spec, pki, later(1), { renew: 'all' });
    const r = await check(hosts, later(2), renewed);
    assert.ok(r.problems.some((p) => p.code === 'CERT_DIFFERS' && p.host === 'master1'));
    assert.ok(r.problems.filter((p) => p.host === undefined).length === 0, 'the state itself is fine');
  });

  it('a state directory without the PKI: CERT_MISSING for it, and the hosts\' files are still listed', async () => {
    const r = await check(applied(spec, pki), later(1), null);
    assert.ok(r.problems.some((p) => p.code === 'CERT_MISSING' && p.host === undefined && p.file === 'pki/ca.crt'), codes(r).join('\n'));
    assert.ok(r.certificates.some((c) => c.where === 'master1'));
  });

  it('a CA within a year of its end: CERT_CA_EXPIRING', async () => {
    const r = await check(applied(spec, pki), later(3400));
    assert.ok(r.problems.some((p) => p.code === 'CERT_CA_EXPIRING' && p.file === 'pki/ca.crt'));
  });
});
