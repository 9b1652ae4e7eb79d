import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { analyzeSpec } from '../../src/analyze/spec-analysis.js';
import { parseSpec } from '../../src/cluster-spec/load.js';
import { drillableScenarios, parseDrillFile } from '../../src/ops/dashboard.js';
import { drillResult } from '../dashboard/fixtures.js';

const ROOT = resolve(import.meta.dirname, '../..');

describe('dashboard: past drill files', () => {
  const a = drillResult();
  const b = drillResult({ scenario: 'haproxy-down:lb1' });
  it('reads a JSON array (bench-results/ha.json), JSON lines (drill --output json) and one object', () => {
    assert.deepEqual(parseDrillFile(JSON.stringify([{ setup: 'kubeha', ...a }, b], null, 2)), [{ setup: 'kubeha', ...a }, b]);
    assert.deepEqual(parseDrillFile(`${JSON.stringify(a)}\n${JSON.stringify(b)}\n`), [a, b]);
    assert.deepEqual(parseDrillFile(JSON.stringify(a)), [a]);
  });
  it('says what is wrong with a file that holds no drill', () => {
    assert.match((parseDrillFile('{nope') as { error: string }).error, /^not JSON/);
    assert.match((parseDrillFile('[{"a":1}]') as { error: string }).error, /no drill object/);
  });
});

describe('dashboard: the drills a lab can run', () => {
  const text = readFileSync(join(ROOT, 'test/fixtures/apply/small.yaml'), 'utf8');
  const spec = parseSpec(text, 'small.yaml').spec!;
  const report = analyzeSpec(spec);
  it("in a lab: the analysis' failures and a degraded link per LB, never `none`", () => {
    const list = drillableScenarios(spec, report, ['lb0', 'lb1'], true);
    assert.ok(!list.includes('none'));
    for (const s of report.scenarios.filter((x) => x.failure !== 'none')) assert.ok(list.includes(s.failure), s.failure);
    assert.ok(list.includes('link-degraded:lb0') && list.includes('link-degraded:lb1'));
    assert.equal(new Set(list).size, list.length);
  });
  it('elsewhere: none', () => {
    assert.deepEqual(drillableScenarios(spec, report, ['lb0', 'lb1'], false), []);
  });
});
