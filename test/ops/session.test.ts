import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSpec } from '../../src/cluster-spec/load.js';
import { InputError } from '../../src/diag/errors.js';
import type { LabState } from '../../src/lab/state.js';
import { dialedEndpoints, openSession, relayEndpoints } from '../../src/ops/session.js';

const SPEC = `apiVersion: kubeha.io/v1alpha1
kind: Cluster
metadata: { name: sess }
ssh: { user: root, keyFile: keys/id }
hosts:
  - { name: lb0, address: 10.88.1.2, roles: [loadbalancer] }
  - { name: lb1, address: 10.88.1.3, roles: [loadbalancer] }
  - { name: m0, address: 10.88.1.4, roles: [control-plane, etcd] }
loadBalancer: { mode: keepalived-haproxy, vip: 10.88.1.10, interface: eth0 }
`;

describe('session', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubeha-session-'));
  const specPath = join(dir, 'cluster.yaml');
  writeFileSync(specPath, SPEC);
  const spec = parseSpec(SPEC, specPath).spec!;

  it('renders once, keeps the --only hosts, resolves key files next to the spec; opens no connection', async () => {
    const s = await openSession(specPath, spec, { only: ['lb1', 'm0'], stateDir: join(dir, 'state'), parallel: 3 });
    assert.deepEqual(s.rendered.map((r) => r.host), ['lb1', 'm0']);
    assert.equal(s.targets.get('lb0')?.keyFile, join(dir, 'keys/id'));
    assert.equal(s.parallel, 3);
    assert.equal(s.stateDir, join(dir, 'state'));
    await s.close();
  });

  it('the PKI: none for the kubeadm installer; in binary mode issued once at open and in the rendered files; issuePki: false writes nothing', async () => {
    // kubeha installs no control plane in kubekey mode (binary is the default since controlPlane.mode).
    const kubeadm = await openSession(specPath, { ...spec, controlPlane: { ...spec.controlPlane, installer: 'kubekey' as const } }, { stateDir: join(dir, 'state-pki') });
    assert.ok(!kubeadm.rendered.some((r) => r.files.some((f) => f.path.startsWith('/etc/kubernetes/'))));
    assert.ok(!existsSync(join(dir, 'state-pki', 'pki')), 'nothing issued for a spec kubeha does not install');
    await kubeadm.close();
    const binary = { ...spec, controlPlane: { ...spec.controlPlane, installer: 'binary' as const } };
    const readOnly = await openSession(specPath, binary, { stateDir: join(dir, 'state-pki'), issuePki: false });
    assert.ok(!existsSync(join(dir, 'state-pki', 'pki')));
    await readOnly.close();
    const s = await openSession(specPath, binary, { stateDir: join(dir, 'state-pki') });
    const m0 = s.rendered.find((r) => r.host === 'm0')!.files;
    const key = m0.find((f) => f.path === '/etc/kubernetes/pki/apiserver.key');
    assert.ok(key && key.mode === 0o600 && key.secret === true);
    assert.ok(s.rendered.find((r) => r.host === 'lb0')!.files.some((f) => f.path === '/etc/haproxy/kube-ca.crt'));
    const first = await s.pki();
    assert.ok(first.issued.length > 0);
    assert.equal(await s.pki(), first, 'issued once per session');
    assert.equal(key.content, first.pki.certs['hosts/m0/apiserver']!.key);
    await s.close();
    const again = await openSession(specPath, binary, { stateDir: join(dir, 'state-pki') });
    assert.deepEqual((await again.pki()).issued, [], 'a second session reuses everything');
    await again.close();
  });

  it('--only with a host the spec does not have is bad input, with a did-you-mean', async () => {
    await assert.rejects(openSession(specPath, spec, { only: ['lb2'], stateDir: join(dir, 'state') }), (err: unknown) => err instanceof InputError && /did you mean "lb\d"/.test(err.diagnostics[0]?.hint ?? ''));
  });

  const lab = {
    plan: {
      lab: 'sess',
      keyFile: '/lab/id',
      knownHostsFile: '/lab/known_hosts',
      switchNetns: 'kubeha-sess.switch',
      taskbox: { netns: 'kubeha-sess.taskbox' },
      hosts: ['lb0', 'lb1', 'm0'].map((name, i) => ({ name, address: `10.88.1.${i + 2}`, netns: `kubeha-sess.${name}` })),
    },
  } as unknown as LabState;

  it("a lab's hosts get the lab's known_hosts (a key file of the spec stays the spec's), reached from its taskbox", async () => {
    const s = await openSession(specPath, spec, { stateDir: join(dir, 'state') }, lab);
    assert.equal(s.lab, lab);
    assert.equal(s.targets.get('m0')?.keyFile, join(dir, 'keys/id'));
    assert.equal(s.netns, 'kubeha-sess.taskbox');
    await s.close();
  });

  it('hosts that are no lab\'s are reached from this namespace, or from --netns', async () => {
    const own = await openSession(specPath, spec, { stateDir: join(dir, 'state') });
    assert.equal(own.netns, undefined);
    await own.close();
    const other = await openSession(specPath, spec, { stateDir: join(dir, 'state'), netns: 'elsewhere' });
    assert.equal(other.netns, 'elsewhere');
    await other.close();
  });

  it("a relay in a lab's namespace may dial the lab's hosts only; jump hosts are what is dialed", () => {
    const targets = [
      { name: 'lb0', address: '10.88.1.2', port: 22 },
      { name: 'm0', address: '10.88.1.4', port: 2222 },
      { name: 'x', address: '10.88.1.50', port: 22, jump: { name: 'lb1', address: '10.88.1.3', port: 22 } },
      { name: 'y', address: '192.0.2.7' },
    ];
    assert.deepEqual(dialedEndpoints(targets), ['10.88.1.2:22', '10.88.1.4:2222', '10.88.1.3:22', '192.0.2.7:22']);
    assert.deepEqual(relayEndpoints(targets), { allowed: ['10.88.1.2:22', '10.88.1.4:2222', '10.88.1.3:22', '192.0.2.7:22'] });
    assert.deepEqual(relayEndpoints(targets, lab), { allowed: ['10.88.1.2:22', '10.88.1.4:2222', '10.88.1.3:22'], refusal: 'not a host of lab sess' });
  });
});
