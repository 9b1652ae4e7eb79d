import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeModel, scenarioFindings, sortFindings } from '../../src/analyze/index.js';
import { clone, goodModel, inst } from './build.js';

describe('analyzeModel', () => {
  it('the good model: no error, and the only warning is the expected partition split brain', () => {
    const r = analyzeModel(goodModel());
    assert.deepEqual(
      r.findings.map((f) => [f.severity, f.rule]),
      [['warning', 'scenario-split-brain']],
    );
    assert.ok(r.scenarios.length > 10);
  });
  it('one error finding per bad scenario: unreachable API, split brain outside a partition', () => {
    const m = clone(goodModel());
    inst(m, 'lb1').virtualRouterId = 43;
    const r = analyzeModel(m);
    const split = r.findings.filter((f) => f.rule === 'scenario-split-brain');
    assert.ok(split.some((f) => f.severity === 'error' && f.message.startsWith('none:')));
    assert.equal(
      scenarioFindings([{ failure: 'haproxy-down:a', vipHolders: ['a'], apiReachable: false, note: 'x' }])[0]?.rule,
      'scenario-api-unreachable',
    );
  });
  it('findings are sorted error, warning, info (stable) and deduplicated', () => {
    const sorted = sortFindings([
      { severity: 'info', rule: 'drift-mode', message: '1' },
      { severity: 'error', rule: 'collect-failed', message: '2' },
      { severity: 'warning', rule: 'drift', message: '3' },
      { severity: 'error', rule: 'render-parse-roundtrip', message: '4' },
    ]);
    assert.deepEqual(sorted.map((f) => f.rule), ['collect-failed', 'render-parse-roundtrip', 'drift', 'drift-mode']);
    const m = clone(goodModel());
    inst(m, 'lb0').virtualRouterId = 51;
    inst(m, 'lb1').virtualRouterId = 51;
    const r = analyzeModel(m);
    const keys = r.findings.map((f) => `${f.rule}|${f.host ?? ''}|${f.message}`);
    assert.equal(new Set(keys).size, keys.length);
    const order = r.findings.map((f) => ({ error: 0, warning: 1, info: 2 })[f.severity]);
    assert.deepEqual(order, [...order].sort((a, b) => a - b));
  });
});
