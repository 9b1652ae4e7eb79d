import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DrillResult } from '../../src/measure/drill.js';
import type { FailureText } from '../../src/model/failure.js';
import type { BenchDrill } from '../../src/measure/ha-bench.js';
import { benchTable, scenarioKind } from '../../src/measure/ha-bench.js';

function drill(setup: string, scenario: FailureText, over: Partial<DrillResult> = {}): BenchDrill {
  return {
    setup,
    scenario,
    startedAt: '2026-12-03T00:00:00.000Z',
    faultAt: 0,
    restoreAt: 0,
    endAt: 0,
    probes: 100,
    failed: 3,
    outageMs: 420,
    p99Ms: 5,
    brokenWatches: 0,
    vipHoldersBefore: ['lb0'],
    vipHoldersAfter: ['lb1'],
    reachable: true,
    transitions: [],
    recovered: true,
    failback: { failed: 0, outageMs: 0, brokenWatches: 0, vipHolders: ['lb0'] },
    baseline: { probes: 10, failed: 0 },
    prediction: { vipHolders: ['lb1'], apiReachable: true, outageMs: 300, note: '' },
    findings: [],
    notes: [],
    ...over,
  };
}

const rowOf = (table: string, kind: string, setup: string): string[] => {
  const line = table.split('\n').find((l) => l.startsWith(`| ${kind} | ${setup} |`));
  assert.ok(line, `row ${kind} × ${setup}`);
  return line.split(' | ').map((c) => c.replace(/^\| |\s*\|$/g, ''));
};

describe('bench:ha table', () => {
  it('the scenario kind is the failure text up to its first colon', () => {
    assert.equal(scenarioKind('apiserver-down:10.0.0.1:6443'), 'apiserver-down');
    assert.equal(scenarioKind('node-down:lb0'), 'node-down');
  });

  it('one row per kind × setup in the given order, with measured and predicted side by side', () => {
    const t = benchTable([drill('a', 'node-down:lb0'), drill('b', 'node-down:lb0', { outageMs: 3600, failed: 170, brokenWatches: 5, prediction: { vipHolders: ['lb1'], apiReachable: true, outageMs: 3000, note: '' } })], ['b', 'a'], ['node-down', 'haproxy-down']);
    const lines = t.split('\n');
    assert.equal(lines.length, 2 + 4);
    assert.equal(lines[0]!.split(' | ').length, lines[2]!.split(' | ').length);
    assert.ok(lines[2]!.startsWith('| node-down | b |') && lines[3]!.startsWith('| node-down | a |'));
    assert.deepEqual(rowOf(t, 'node-down', 'b').slice(2, 8), ['3600', '3000', '170', '5', 'yes (yes)', '0 / 0 / 0']);
    assert.deepEqual(rowOf(t, 'node-down', 'a').slice(2, 5), ['420', '300', '3']);
    assert.match(rowOf(t, 'haproxy-down', 'a')[2]!, /^not run$/);
  });

  it('a VIP that stayed, a lost API, failback figures and findings are shown', () => {
    const r = drill('s', 'haproxy-down:lb0', {
      vipHoldersAfter: ['lb0'],
      reachable: false,
      outageMs: 9000,
      prediction: { vipHolders: ['lb0'], apiReachable: false, note: '' },
      failback: { failed: 2, outageMs: 40, brokenWatches: 1, vipHolders: ['lb0'] },
      findings: [{ severity: 'warning', rule: 'drill-failback-outage', message: 'x' }],
    });
    const row = rowOf(benchTable([r], ['s'], ['haproxy-down']), 'haproxy-down', 's');
    assert.equal(row[2], '9000, API lost until undone');
    assert.equal(row[3], 'API lost');
    assert.equal(row[6], 'no (no)');
    assert.equal(row[7], '2 / 40 / 1');
    assert.equal(row[8], 'warn (failback-outage)');
  });

  it('several runs show ranges and how many moved; errors win over warnings', () => {
    const rs = [drill('s', 'node-down:lb0', { outageMs: 500 }), drill('s', 'node-down:lb1', { outageMs: 300, vipHoldersAfter: ['lb0'], findings: [{ severity: 'error', rule: 'drill-holders-mismatch', message: 'x' }] })];
    const row = rowOf(benchTable(rs, ['s'], ['node-down']), 'node-down', 's');
    assert.deepEqual(row.slice(2, 4), ['300–500', '300']);
    assert.equal(row[6], '1/2 (yes)');
    assert.equal(row[8], 'FAIL (holders-mismatch)');
  });

  it('not applicable and not run say why, pipes escaped', () => {
    const notRun = drill('s', 'apiserver-down:10.0.0.1:6443', { findings: [{ severity: 'error', rule: 'drill-not-run', message: 'no such process | gone' }] });
    const t = benchTable([notRun], ['s', 'k'], ['apiserver-down', 'keepalived-down'], { 'k|keepalived-down': 'no keepalived' });
    assert.equal(rowOf(t, 'apiserver-down', 's')[2], 'not run: no such process \\| gone');
    assert.equal(rowOf(t, 'keepalived-down', 'k')[2], 'n/a: no keepalived');
    assert.equal(rowOf(t, 'keepalived-down', 's')[2], 'not run');
  });
});
