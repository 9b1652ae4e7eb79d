import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSpec } from '../../src/cluster-spec/load.js';
import { InputError } from '../../src/diag/errors.js';
import type { LabState } from '../../src/lab/state.js';
import { openSession } from '../../src/ops/session.js';

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

  it('--only with a host the spec does not have is bad input, with a did-you-mean', async () => {
    await assert.rejects(openSession(specPath, spec, { only: ['lb2'], stateDir: join(dir, 'state') }), (err: unknown) => err instanceof InputError && /did you mean "lb\d"/.test(err.diagnostics[0]?.hint ?? ''));
  });

  it("a lab's hosts get the lab's known_hosts (a key file of the spec stays the spec's)", async () => {
    const lab = { plan: { keyFile: '/lab/id', knownHostsFile: '/lab/known_hosts' } } as unknown as LabState;
    const s = await openSession(specPath, spec, { stateDir: join(dir, 'state') }, lab);
    assert.equal(s.lab, lab);
    assert.equal(s.targets.get('m0')?.keyFile, join(dir, 'keys/id'));
    await s.close();
  });
});
