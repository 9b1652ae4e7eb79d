import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeModel } from '../../src/analyze/index.js';
import { memoryFileSource } from '../../src/parse/file-source.js';
import { loadMirror } from '../../src/parse/mirror.js';
import { renderCluster, renderMirrorManifest } from '../../src/render/index.js';
import type { ClusterSpec } from '../../src/cluster-spec/types.js';
import { TEST_SECRETS, dedicatedSpec, externalSpec, stackedSpec } from './specs.js';

/** Generated configs, parsed back, must analyse clean. The mirror is built in memory, as `render --out` lays it out. */
function mirror(spec: ClusterSpec): Record<string, string> {
  const files: Record<string, string> = { '/hosts.yaml': renderMirrorManifest(spec) };
  for (const h of renderCluster(spec, TEST_SECRETS)) for (const f of h.files) files[`/${h.host}${f.path}`] = f.content;
  return files;
}

const v2 = (): ClusterSpec => {
  const s = dedicatedSpec();
  s.loadBalancer = { ...s.loadBalancer, vrrpVersion: 2, advertInt: 1 };
  return s;
};

for (const [name, make] of [
  ['dedicated-lb', dedicatedSpec],
  ['stacked', stackedSpec],
  ['external-lb', externalSpec],
  ['dedicated-lb VRRPv2', v2],
] as const) {
  test(`round trip ${name}: the rendered mirror parses without errors and analyses with no error finding`, () => {
    const { model, diagnostics } = loadMirror(memoryFileSource(mirror(make())));
    const parseErrors = diagnostics.filter((d) => d.severity !== 'info');
    assert.deepEqual(parseErrors.map((d) => `${d.code}: ${d.message}`), []);
    assert.ok(model);
    const report = analyzeModel(model);
    const errors = report.findings.filter((f) => f.severity === 'error');
    assert.deepEqual(errors.map((f) => `${f.rule}: ${f.message}`), []);
    const failures = report.scenarios.filter((s) => !s.apiReachable);
    assert.deepEqual(failures.map((s) => s.failure), [], 'a single failure leaves the API unreachable');
  });
}
