import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXAMPLE_FILES, exampleSpec, TOPOLOGIES } from '../../src/cluster-spec/examples.js';
import { parseSpec } from '../../src/cluster-spec/load.js';
import { hostsWithRole } from '../../src/cluster-spec/types.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('example specs (kubeha init)', () => {
  for (const t of TOPOLOGIES) {
    it(`${t}: parses with no diagnostic at all`, () => {
      const r = parseSpec(exampleSpec(t), `${t}.yaml`);
      assert.deepEqual(r.diagnostics, []);
      assert.ok(r.spec);
    });

    it(`${t}: ${EXAMPLE_FILES[t]} equals init's output (regenerate with kubeha init -t ${t})`, () => {
      assert.equal(readFileSync(join(ROOT, EXAMPLE_FILES[t]), 'utf8'), exampleSpec(t));
    });

    it(`${t}: every setting line carries a comment`, () => {
      const settings = exampleSpec(t)
        .split('\n')
        .filter((l) => /^\s*[a-zA-Z-]/.test(l) && !/^\s*[a-zA-Z]+:$/.test(l));
      for (const l of settings) assert.match(l, / # \S/, `no comment on: ${l}`);
    });
  }

  it('default topology is the seeds: lb0/lb1, master1-3 (control-plane, etcd), worker1-3 in 10.77.0.0/24', () => {
    const spec = parseSpec(exampleSpec('dedicated-lb'), 'c.yaml').spec;
    assert.ok(spec);
    assert.deepEqual(
      spec.hosts.map((h) => [h.name, h.address, h.roles.join(',')]),
      [
        ['lb0', '10.77.0.11', 'loadbalancer'],
        ['lb1', '10.77.0.12', 'loadbalancer'],
        ['master1', '10.77.0.21', 'control-plane,etcd'],
        ['master2', '10.77.0.22', 'control-plane,etcd'],
        ['master3', '10.77.0.23', 'control-plane,etcd'],
        ['worker1', '10.77.0.31', 'worker'],
        ['worker2', '10.77.0.32', 'worker'],
        ['worker3', '10.77.0.33', 'worker'],
      ],
    );
    assert.equal(spec.loadBalancer.vip, '10.77.0.10');
    assert.equal(spec.loadBalancer.interface, 'eth0');
    assert.deepEqual(spec.controlPlane.endpoint, { address: '10.77.0.10', port: 6443 });
  });

  it('stacked: HAProxy on 8443 on the three masters, endpoint on 8443', () => {
    const spec = parseSpec(exampleSpec('stacked'), 's.yaml').spec;
    assert.ok(spec);
    assert.equal(spec.loadBalancer.mode, 'stacked');
    assert.equal(spec.loadBalancer.port, 8443);
    assert.equal(spec.controlPlane.endpoint.port, 8443);
    assert.deepEqual(
      hostsWithRole(spec, 'loadbalancer').map((h) => h.name),
      ['master1', 'master2', 'master3'],
    );
  });

  it('external-lb: mode external at the VIP, no keepalived settings written', () => {
    const text = exampleSpec('external-lb');
    assert.doesNotMatch(text, /vrrpVersion|advertInt/);
    assert.equal(parseSpec(text, 'e.yaml').spec?.loadBalancer.mode, 'external');
  });

  it('--name sets metadata.name and changes the derived VRRP id', () => {
    const a = parseSpec(exampleSpec('dedicated-lb', { name: 'prod' }), 'a.yaml').spec;
    const b = parseSpec(exampleSpec('dedicated-lb'), 'b.yaml').spec;
    assert.equal(a?.name, 'prod');
    assert.notEqual(a?.loadBalancer.virtualRouterId, b?.loadBalancer.virtualRouterId);
  });
});
