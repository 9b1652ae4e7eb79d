import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeModel } from '../../src/analyze/index.js';
import { memoryFileSource } from '../../src/parse/file-source.js';
import { loadMirror } from '../../src/parse/mirror.js';
import { renderCluster, renderMirrorManifest } from '../../src/render/index.js';
import type { ClusterSpec } from '../../src/cluster-spec/types.js';
import { TEST_SECRETS, externalSpec } from '../render/specs.js';

function mirror(spec: ClusterSpec): Record<string, string> {
  const files: Record<string, string> = { '/hosts.yaml': renderMirrorManifest(spec) };
  for (const h of renderCluster(spec, TEST_SECRETS)) for (const f of h.files) files[`/${h.host}${f.path}`] = f.content;
  return files;
}

function analyse(files: Record<string, string>): { report: ReturnType<typeof analyzeModel>; model: NonNullable<ReturnType<typeof loadMirror>['model']> } {
  const { model, diagnostics } = loadMirror(memoryFileSource(files));
  assert.ok(model, diagnostics.map((d) => d.message).join('; '));
  return { report: analyzeModel(model), model };
}

const hairpin = (r: ReturnType<typeof analyzeModel>) => r.findings.filter((f) => f.rule === 'topology-external-lb-hairpin');

describe('external LB without hairpin: per-host resolution of the endpoint domain', () => {
  const spec = externalSpec();
  const domain = spec.controlPlane.endpoint.domain;

  test('the rendered manifest carries the domain next to the endpoint address', () => {
    assert.ok(domain);
    assert.match(renderMirrorManifest(spec), new RegExp(`^endpoint: [0-9.]+:6443\\ndomain: ${domain.replace(/\./g, '\\.')}$`, 'm'));
  });

  test("kubeha's rendered external-lb mirror: masters resolve the domain to 127.0.0.1, so no hairpin warning", () => {
    const { report, model } = analyse(mirror(spec));
    assert.equal(model.endpoint.domain, domain);
    const m1 = model.hosts.find((h) => h.name === 'master1');
    assert.deepEqual(m1?.endpointResolution, { address: '127.0.0.1', at: { file: '/master1/etc/hosts', line: 3, col: 1 } });
    assert.equal(model.hosts.find((h) => h.name === 'worker1')?.endpointResolution?.address, model.endpoint.address);
    assert.deepEqual(hairpin(report), []);
    assert.match(report.scenarios[0]?.note ?? '', /resolve .* to themselves: no hairpin needed/);
  });

  test('brownfield: the same mirror without the masters\' hosts entries still warns, naming them', () => {
    const files = mirror(spec);
    delete files['/master2/etc/hosts'];
    files['/master3/etc/hosts'] = `${spec.loadBalancer.vip} ${domain ?? ''}\n`;
    const f = hairpin(analyse(files).report);
    assert.equal(f.length, 1);
    assert.match(f[0]?.message ?? '', /master2 \(no \/etc\/hosts entry for .*\), master3 \(.* → 10\.77\.0\.5, the LB\)/);
    assert.doesNotMatch(f[0]?.message ?? '', /master1/);
  });

  test('an IP-only manifest (no domain) still warns about every master', () => {
    const files = mirror(spec);
    files['/hosts.yaml'] = (files['/hosts.yaml'] ?? '').replace(/^domain: .*\n/m, '');
    const f = hairpin(analyse(files).report);
    assert.equal(f.length, 1);
    assert.match(f[0]?.message ?? '', /master1, master2, master3 cannot reach/);
  });

  test('a master resolving to itself while its apiserver is on another port than the endpoint is reported', () => {
    const files = mirror(spec);
    files['/hosts.yaml'] = (files['/hosts.yaml'] ?? '').replace(/^( {4}apiserver:) 6443$/m, '$1 7443');
    const f = hairpin(analyse(files).report);
    assert.match(f[0]?.message ?? '', /master1 \(.* → 127\.0\.0\.1, but its apiserver listens on 7443, not 6443\)/);
  });

  test('a bad domain is an error', () => {
    const r = loadMirror(memoryFileSource({ '/hosts.yaml': 'endpoint: 10.0.0.1:6443\ndomain: "not a name"\nhosts:\n  - {name: a, address: 10.0.0.2}\n' }));
    assert.equal(r.model, undefined);
    assert.deepEqual(r.diagnostics.map((d) => [d.code, d.line]), [['MIRROR_BAD_VALUE', 2]]);
  });
});

test('endpoint given as the domain: the address is the non-loopback answer (masters map it to 127.0.0.1)', () => {
  const files = mirror(externalSpec());
  files['/hosts.yaml'] = (files['/hosts.yaml'] ?? '').replace(/^endpoint: [0-9.]+:6443\ndomain: (.*)$/m, 'endpoint: $1:6443');
  const { model, diagnostics } = loadMirror(memoryFileSource(files));
  assert.equal(model?.endpoint.address, '10.77.0.5');
  assert.ok(diagnostics.some((d) => d.code === 'MIRROR_ENDPOINT_AMBIGUOUS'));
  assert.deepEqual(model ? hairpin(analyzeModel(model)) : ['no model'], []);
});
